/**
 * One history row of the bench: a transport and a history size. A fresh copy of the repository,
 * the service started on it, its password check and sequential pairs (each followed by one
 * clone-per-request present when the baseline runs), then, for the largest history, the load steps
 * and the baseline's load at 64 clients.
 */
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BenchArgs } from "./args.js";
import { type BaselineRemote, baselinePresent, baselineRemote } from "./baseline.js";
import { log } from "./log.js";
import { baselineLoad, challengeValue, load, measureAuth, pickZone, sequential } from "./measure.js";
import type { BaselineLoad, HistoryRow, LoadRun, Transport } from "./results.js";
import { RunningService, type ServiceEnv, serviceNode, serviceNodeFlags } from "./service.js";
import type { Sshd } from "./sshd.js";
import { fmt, summarise } from "./stats.js";

/** What every history row shares. */
export interface HistoryContext {
  readonly args: BenchArgs;
  readonly scratch: string;
  readonly cliPath: string;
  readonly databaseUrl: string;
  /** The loopback sshd, when ssh is among the transports. */
  readonly sshd: Sshd | undefined;
  /** The built repository of each history size. */
  readonly repos: ReadonlyMap<number, string>;
  /** Registers a cleanup for an interrupted run. */
  onInterrupt(cleanup: () => Promise<void>): void;
}

async function copyRepo(source: string, dest: string): Promise<string> {
  await cp(source, dest, { recursive: true });
  return dest;
}

function repoUrl(transport: Transport, bare: string, sshd: Sshd | undefined): string {
  // The ssh form is the Django charm's: git+ssh://user@host:port/path@branch.
  if (transport === "ssh" && sshd) return `git+ssh://${sshd.user}@127.0.0.1:${sshd.port}${bare}@main`;
  return `file://${bare}`;
}

/** Runs the history rows one after the other; each service writes its own numbered log. */
export class HistoryRunner {
  private runNo = 0;

  constructor(private readonly ctx: HistoryContext) {}

  async runOne(transport: Transport, size: number): Promise<HistoryRow> {
    const { args, scratch, cliPath, databaseUrl, sshd, repos } = this.ctx;
    const largest = Math.max(...args.sizes);
    this.runNo += 1;
    const bare = await copyRepo(
      repos.get(size) as string,
      join(scratch, "remotes", `${transport}-h${size}.git`),
    );
    const env: ServiceEnv = {
      cliPath,
      databaseUrl,
      dataDir: join(scratch, "service-data", `${transport}-h${size}`),
      gitRepo: repoUrl(transport, bare, sshd),
      sshKey: transport === "ssh" ? sshd?.clientKey : undefined,
      knownHosts: transport === "ssh" ? sshd?.knownHosts : undefined,
    };
    let remote: BaselineRemote | undefined;
    let baseBare: string | undefined;
    const clones = join(scratch, "clones");
    if (args.baseline) {
      baseBare = await copyRepo(
        repos.get(size) as string,
        join(scratch, "remotes", `${transport}-h${size}-baseline.git`),
      );
      remote = baselineRemote(
        transport === "ssh" && sshd
          ? `ssh://${sshd.user}@127.0.0.1:${sshd.port}${baseBare}`
          : `file://${baseBare}`,
        transport === "ssh" && sshd
          ? { keyFile: sshd.clientKeyFile, knownHostsFile: sshd.knownHostsFile }
          : undefined,
      );
      await mkdir(clones, { recursive: true });
    }
    if (sshd && transport === "ssh") await sshd.grant(bare, ...(baseBare ? [baseBare] : []));
    log(
      `[${transport}, ${size.toLocaleString("en")} commits] starting the service (${serviceNode()} ${serviceNodeFlags().join(" ") || "without flags"})`,
    );
    const svc = await RunningService.start(env, join(scratch, `service-${this.runNo}.log`));
    this.ctx.onInterrupt(() => svc.stop());
    const loads: LoadRun[] = [];
    let row: HistoryRow["sequential"];
    try {
      const auth = await measureAuth(svc);
      log(`  auth: first request ${fmt(auth.firstRequestMs)} ms, later ${fmt(auth.laterRequestMedianMs)} ms`);
      const baseSamples: number[] = [];
      const between =
        remote === undefined
          ? undefined
          : async (i: number): Promise<void> => {
              const zone = pickZone(i);
              const r = await baselinePresent(
                remote as BaselineRemote,
                clones,
                `${zone}.domain`,
                `_acme-challenge.base${i}`,
                challengeValue(),
                performance.now() + 60_000,
              );
              baseSamples.push(r.ms);
            };
      log(
        `  sequential: ${args.sequential} present+cleanup pairs${remote ? ", each followed by one clone-per-request present" : ""}`,
      );
      await between?.(-1); // warm-up
      const s = await sequential(svc, args.sequential, between);
      const baseline = remote === undefined ? undefined : summarise(baseSamples);
      log(
        `  present median ${fmt(s.present.median)} ms, p95 ${fmt(s.present.p95)} ms (${s.errors} errors)${baseline ? `; baseline median ${fmt(baseline.median)} ms` : ""}`,
      );
      row = { transport, size, auth, baseline, ...s };
      if (size === largest) {
        for (const clients of args.clients) {
          log(`  load: ${clients} clients for ${args.duration} s`);
          const l = await load(svc, bare, transport, size, clients, args.duration);
          log(
            `    ${fmt(l.perSecond)} presents/s, p95 ${fmt(l.latency.p95)} ms, ${l.errors} errors, ${l.missingInRemote} missing in remote`,
          );
          loads.push(l);
        }
      }
    } finally {
      await svc.stop();
    }
    let baseLoad: BaselineLoad | undefined;
    if (remote && baseBare && size === largest && args.clients.includes(64)) {
      log(`  baseline load: 64 clients for ${args.duration} s`);
      baseLoad = await baselineLoad(remote, baseBare, clones, transport, size, 64, args.duration);
      log(`    baseline ${baseLoad.perSecond.toFixed(2)} durable presents/s (${baseLoad.attempts} attempts)`);
    }
    return { sequential: row, loads, baselineLoad: baseLoad };
  }
}
