#!/usr/bin/env node
/**
 * `pnpm bench`: the provider service against the clone-per-request strategy it replaces, on
 * synthetic DNS repositories of growing history, over file:// and ssh. Loopback only; every load
 * step is bounded in time and count.
 *
 * This file wires the run: repositories, database, sshd, then the history rows (history.ts), the
 * extra rows (rows/), the replicas row, the report (render.ts, judged by targets.ts) and the JSON.
 */
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchArgs, parseArgs, USAGE } from "./args.js";
import { AUTH, PASSWORD } from "./credentials.js";
import { type BenchDatabase, createBenchDatabase, DJANGO_ITERATIONS, djangoPbkdf2Hash } from "./database.js";
import { run } from "./exec.js";
import { HistoryRunner } from "./history.js";
import { log } from "./log.js";
import { load } from "./measure.js";
import { render } from "./render.js";
import { BENCH_PARENT, buildRepository } from "./repo-builder.js";
import type { BaselineLoad, LoadRun, SequentialRun } from "./results.js";
import type { RowReport } from "./rows/context.js";
import { runExtraRows } from "./rows/index.js";
import { type ReplicasRow, renderReplicas, replicasRow, replicasTargets } from "./rows/replicas.js";
import { cli, type ServiceEnv, serviceEnvironment, serviceNode, serviceNodeFlags } from "./service.js";
import { type Sshd, startSshd } from "./sshd.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");

/** Cleanups to run if the bench is interrupted (services, sshd, database, scratch dir). */
const onInterrupt: (() => Promise<void>)[] = [];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void Promise.allSettled(onInterrupt.map((f) => f())).then(() => process.exit(130));
  });
}

async function main(args: BenchArgs): Promise<void> {
  const cliPath = join(repoRoot, "packages/provider/dist/cli.js");
  await access(cliPath).catch(() => {
    throw new Error(`${cliPath} is missing: run pnpm build first`);
  });
  const scratch = await mkdtemp(join(tmpdir(), "hlp-bench-"));
  log(`scratch directory ${scratch}${args.keep ? " (kept)" : ""}`);
  onInterrupt.push(async () => {
    await sshd?.stop();
    await db?.drop();
    if (!args.keep) await rm(scratch, { recursive: true, force: true });
  });
  let sshd: Sshd | undefined;
  let db: BenchDatabase | undefined;
  const seqRuns: SequentialRun[] = [];
  const loads: LoadRun[] = [];
  const baseLoads: BaselineLoad[] = [];
  let replicas: ReplicasRow | undefined;
  const extra: RowReport[] = [];
  try {
    const repos = new Map<number, string>();
    for (const size of args.replicas === "only" ? [Math.min(...args.sizes)] : args.sizes) {
      const path = join(scratch, "repos", `h${size}.git`);
      const t = performance.now();
      log(`building a ${size.toLocaleString("en")}-commit repository with git fast-import`);
      await buildRepository(path, size, (done) => {
        if (done < size) log(`  ${done.toLocaleString("en")} / ${size.toLocaleString("en")} commits`);
      });
      log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      repos.set(size, path);
    }

    db = await createBenchDatabase(
      process.env.BENCH_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    );
    const baseEnv: ServiceEnv = {
      cliPath,
      databaseUrl: db.url,
      dataDir: join(scratch, "cli-data"),
      gitRepo: "file:///nonexistent",
    };
    await cli(baseEnv, ["migrate"]);
    await cli(baseEnv, ["create-user", "bench", "--password", PASSWORD]);
    // Django 6's default cost, whatever the service would pick for new passwords.
    await db.setPasswordHash("bench", djangoPbkdf2Hash(PASSWORD));
    await cli(baseEnv, ["allow-domains", "bench", "--subdomains", BENCH_PARENT]);
    log(
      `database ready; user bench has a pbkdf2_sha256 ${DJANGO_ITERATIONS.toLocaleString("en")}-iteration password`,
    );

    if (args.replicas !== "only" && args.transports.includes("ssh")) {
      sshd = await startSshd(join(scratch, "sshd"));
      log(`sshd listening on 127.0.0.1:${sshd.port}`);
    }

    const history = new HistoryRunner({
      args,
      scratch,
      cliPath,
      databaseUrl: db.url,
      sshd,
      repos,
      onInterrupt: (cleanup) => onInterrupt.unshift(cleanup),
    });
    for (const transport of args.replicas === "only" || !args.rows.includes("history")
      ? []
      : args.transports) {
      for (const size of args.sizes) {
        const row = await history.runOne(transport, size);
        seqRuns.push(row.sequential);
        loads.push(...row.loads);
        if (row.baselineLoad) baseLoads.push(row.baselineLoad);
      }
    }
    if (args.replicas !== "only") {
      extra.push(
        ...(await runExtraRows(
          {
            scratch,
            cliPath,
            sourceRepo: repos.get(Math.min(...args.sizes)) as string,
            databaseUrl: db.url,
            auth: AUTH,
            password: PASSWORD,
            duration: args.duration,
            soakMinutes: args.soakMinutes,
            log,
            load: (svc, bare, clients, seconds) =>
              load(svc, bare, "file", Math.min(...args.sizes), clients, seconds),
            onInterrupt: (cleanup) => onInterrupt.unshift(cleanup),
          },
          args.rows,
        )),
      );
    }
    if (args.replicas !== "no") {
      replicas = await replicasRow({
        cliPath,
        databaseUrl: db.url,
        sourceRepo: repos.get(Math.min(...args.sizes)) as string,
        scratch,
        auth: AUTH,
        clients: args.clients.includes(64) ? 64 : Math.max(...args.clients),
        seconds: args.duration,
        log,
      });
    }
  } finally {
    await sshd?.stop();
    await db?.drop().catch((err: unknown) => log(`could not drop the bench database: ${String(err)}`));
    if (!args.keep) await rm(scratch, { recursive: true, force: true });
  }

  const report = render(seqRuns, loads, baseLoads, args, extra);
  if (replicas !== undefined) report.targets.push(...replicasTargets(replicas));
  if (args.replicas !== "only") process.stdout.write(`${report.text}\n`);
  if (replicas !== undefined) process.stdout.write(`${renderReplicas(replicas)}\n`);
  const outDir = resolve(repoRoot, args.outDir);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const git = (await run(["git", "--version"])).trim();
  await writeFile(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, git },
        serviceNode: serviceNode(),
        serviceNodeFlags: serviceNodeFlags(),
        serviceEnvironment: serviceEnvironment(),
        args,
        passwordHash: { algorithm: "pbkdf2_sha256", iterations: DJANGO_ITERATIONS },
        sequential: seqRuns,
        load: loads,
        baselineLoad: baseLoads,
        replicas,
        rows: Object.fromEntries(extra.map((r) => [r.key, r.data])),
        targets: report.targets,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
}

let parsed: BenchArgs | "help";
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(2);
}
if (parsed === "help") {
  process.stdout.write(`${USAGE}\n`);
} else {
  main(parsed).catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
