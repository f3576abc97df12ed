/**
 * The "replicas" row of `pnpm bench`: three `serve` processes on one PostgreSQL database and one
 * remote (a Juju application scaled to 3) against one process, in the same run, with the same
 * closed-loop clients spread round-robin over the processes. Target: the three together keep at
 * least 0.8x the presents/s of one, and every acknowledged present is in the remote exactly once.
 */
import { randomBytes } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { gitEnv, run } from "../exec.js";
import { BenchClient } from "../http-client.js";
import { zones } from "../repo-builder.js";
import { RunningService, type ServiceEnv } from "../service.js";
import { fmt } from "../stats.js";
import { table } from "../table.js";

export interface ReplicasInput {
  readonly cliPath: string;
  readonly databaseUrl: string;
  /** A bare repository to copy for each step (the steps must not see each other's records). */
  readonly sourceRepo: string;
  readonly scratch: string;
  /** `user:password` of a user that may manage every bench zone. */
  readonly auth: string;
  readonly clients: number;
  readonly seconds: number;
  readonly log: (message: string) => void;
}

export interface ReplicasStep {
  readonly processes: number;
  readonly clients: number;
  readonly seconds: number;
  readonly ok: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly medianMs: number;
  /** Acknowledged presents whose record is not in the remote. */
  readonly missing: number;
  /** Acknowledged presents whose record is in the remote more than once. */
  readonly doubled: number;
}

export interface ReplicasRow {
  readonly one: ReplicasStep;
  readonly three: ReplicasStep;
  readonly ratio: number;
}

export const REPLICAS_TARGET = 0.8;

interface Landed {
  readonly zone: string;
  readonly owner: string;
  readonly value: string;
}

async function step(input: ReplicasInput, processes: number): Promise<ReplicasStep> {
  const bare = join(input.scratch, "remotes", `replicas-${processes}.git`);
  await cp(input.sourceRepo, bare, { recursive: true });
  const services: RunningService[] = [];
  try {
    for (let i = 0; i < processes; i += 1) {
      const env: ServiceEnv = {
        cliPath: input.cliPath,
        databaseUrl: input.databaseUrl,
        dataDir: join(input.scratch, "service-data", `replicas-${processes}-${i}`),
        gitRepo: `file://${bare}`,
      };
      services.push(await RunningService.start(env, join(input.scratch, `replicas-${processes}-${i}.log`)));
    }
    const clients = services.map((s) => new BenchClient(s.url, input.auth));
    // One request per process first: each pays its password hash once, outside the measurement.
    for (const client of clients) {
      const r = await client.post("/present", {
        fqdn: `_acme-challenge.warm-${processes}.${zones[0]}.`,
        value: randomBytes(16).toString("base64url"),
      });
      if (r.status !== 200) throw new Error(`replicas warm-up answered ${r.status}: ${r.body}`);
    }
    const landed: Landed[] = [];
    const latencies: number[] = [];
    let errors = 0;
    let sent = 0;
    const start = performance.now();
    const end = start + input.seconds * 1000;
    await Promise.all(
      Array.from({ length: input.clients }, async (_, c) => {
        const client = clients[c % clients.length] as BenchClient;
        for (let seq = 0; performance.now() < end && sent < 200_000; seq += 1) {
          sent += 1;
          const zone = zones[(c + seq) % zones.length] as string;
          const owner = `_acme-challenge.r${processes}x${c}-${seq}`;
          const value = randomBytes(32).toString("base64url");
          try {
            const r = await client.post("/present", { fqdn: `${owner}.${zone}.`, value });
            if (r.status === 200) {
              latencies.push(r.ms);
              landed.push({ zone, owner, value });
            } else errors += 1;
          } catch {
            errors += 1;
          }
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    for (const client of clients) client.close();
    const { missing, doubled } = await audit(bare, landed);
    latencies.sort((a, b) => a - b);
    return {
      processes,
      clients: input.clients,
      seconds: elapsed,
      ok: landed.length,
      errors,
      perSecond: landed.length / elapsed,
      medianMs: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
      missing,
      doubled,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }
}

/** Counts acknowledged records missing from the remote's zone files, or there twice. */
async function audit(bare: string, landed: readonly Landed[]): Promise<{ missing: number; doubled: number }> {
  const texts = new Map<string, string>();
  for (const zone of zones) {
    texts.set(zone, await run("git", ["--git-dir", bare, "show", `main:${zone}.domain`], { env: gitEnv() }));
  }
  let missing = 0;
  let doubled = 0;
  for (const l of landed) {
    const count = (texts.get(l.zone) ?? "").split(`\n${l.owner} 600 IN TXT "${l.value}"\n`).length - 1;
    if (count === 0) missing += 1;
    if (count > 1) doubled += 1;
  }
  return { missing, doubled };
}

/** One process, then three, against fresh copies of the same repository. */
export async function replicasRow(input: ReplicasInput): Promise<ReplicasRow> {
  const results: ReplicasStep[] = [];
  for (const processes of [1, 3]) {
    input.log(`replicas: ${processes} process(es), ${input.clients} clients for ${input.seconds} s`);
    const r = await step(input, processes);
    input.log(
      `  ${fmt(r.perSecond)} presents/s, median ${fmt(r.medianMs)} ms, ${r.errors} errors, ${r.missing} missing, ${r.doubled} doubled`,
    );
    results.push(r);
  }
  const [one, three] = results as [ReplicasStep, ReplicasStep];
  return { one, three, ratio: three.perSecond / Math.max(one.perSecond, 1e-9) };
}

export function renderReplicas(row: ReplicasRow): string {
  const lines = [
    "\nReplicas: processes on one PostgreSQL database and one remote (file://), clients round-robin over them",
    table(
      ["processes", "clients", "presents/s", "ok", "errors", "median ms", "missing", "doubled"],
      [row.one, row.three].map((s) => [
        String(s.processes),
        String(s.clients),
        fmt(s.perSecond),
        String(s.ok),
        String(s.errors),
        fmt(s.medianMs),
        String(s.missing),
        String(s.doubled),
      ]),
    ),
    table(
      ["target", "measured", "wanted", "ok"],
      replicasTargets(row).map((t) => [t.name, t.measured, t.target, t.pass ? "yes" : "NO"]),
    ),
  ];
  return lines.join("\n");
}

/** The targets the row adds: throughput ratio and nothing lost or doubled. */
export function replicasTargets(
  row: ReplicasRow,
): { name: string; measured: string; target: string; pass: boolean }[] {
  const lost = row.three.missing + row.three.doubled + row.three.errors;
  return [
    {
      name: "replicas: 3 processes vs 1, presents/s",
      measured: `${row.ratio.toFixed(2)}x`,
      target: `>= ${REPLICAS_TARGET}x`,
      pass: row.ratio >= REPLICAS_TARGET,
    },
    {
      name: "replicas: acknowledged presents missing or doubled, errors",
      measured: String(lost),
      target: "0",
      pass: lost === 0,
    },
  ];
}
