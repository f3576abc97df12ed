/**
 * `pnpm bench:hostile`: memory and availability of the real service under a hostile run, on
 * PostgreSQL and on the embedded PGlite. See HOSTILE_USAGE for what it sends.
 */
import { randomBytes } from "node:crypto";
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedSocketDir } from "@httprequest-lego-provider/provider/embedded-socket-dir";
import { type AuditRows, readAuditRows } from "./audit-rows.js";
import { type BenchDatabase, createBenchDatabase } from "./database.js";
import { type Backend, HOSTILE_USAGE, type HostileArgs, parseHostileArgs } from "./hostile-args.js";
import { attacker, type RealClientResult, realClient, type StatusCounts } from "./hostile-traffic.js";
import { buildRepository } from "./repo-builder.js";
import {
  cli,
  RunningService,
  type ServiceEnv,
  serviceEnvironment,
  serviceNode,
  serviceNodeFlags,
} from "./service.js";
import { fmt, type Summary, summarise } from "./stats.js";
import { table } from "./table.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const ZONE = "example.test";
const PASSWORD = `alice-${randomBytes(9).toString("base64url")}`;
const SAMPLE_MS = 200;
const PROGRESS_MS = 10_000;
const PEAK_RSS_TARGET_MB = 200;
const AUDIT_ROWS_PER_MINUTE = 100;

interface BackendRun {
  readonly backend: Backend;
  readonly durationS: number;
  readonly rssMb: { readonly start: number; readonly peak: number; readonly end: number };
  readonly statuses: Record<string, number>;
  readonly requests: number;
  readonly realClient: {
    readonly ok: number;
    readonly failed: number;
    readonly failedByStatus: Record<string, number>;
    readonly latency: Summary;
  };
  readonly audit: AuditRows;
}

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
}

function log(message: string): void {
  process.stderr.write(`[hostile ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;
const total = (c: StatusCounts): number => [...c.values()].reduce((a, b) => a + b, 0);
const record = (c: StatusCounts): Record<string, number> =>
  Object.fromEntries(
    [...c.entries()].sort(([a], [b]) => a - b).map(([s, n]) => [s === 0 ? "no answer" : String(s), n]),
  );

const onInterrupt: (() => Promise<void>)[] = [];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void Promise.allSettled(onInterrupt.map((f) => f())).then(() => process.exit(130));
  });
}

async function runBackend(
  backend: Backend,
  args: HostileArgs,
  cliPath: string,
  scratch: string,
): Promise<BackendRun> {
  const dir = join(scratch, backend);
  const bare = join(dir, "dns.git");
  await buildRepository(bare, 1, () => {}, [ZONE]);
  let db: BenchDatabase | undefined;
  let svc: RunningService | undefined;
  onInterrupt.push(async () => {
    await svc?.stop();
    await db?.drop();
  });
  try {
    if (backend === "postgresql")
      db = await createBenchDatabase(
        process.env.BENCH_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
      );
    const env: ServiceEnv = {
      cliPath,
      databaseUrl: db?.url,
      dataDir: join(dir, "data"),
      gitRepo: `file://${bare}`,
    };
    await cli(env, ["migrate"]);
    await cli(env, ["create-user", "alice", "--password", PASSWORD]);
    await cli(env, ["allow-domains", "alice", "--subdomains", ZONE]);
    log(`${backend}: database ready, user alice may present under ${ZONE}`);

    svc = await RunningService.start(env, join(dir, "service.log"));
    const running = svc;
    const start = (await running.status()).rssKb;
    log(`${backend}: service up at ${running.url}, RSS ${mb(start)} MB; hostile load for ${args.duration} s`);

    const counts: StatusCounts = new Map();
    const began = Date.now();
    const until = began + args.duration * 1000;
    running.startSampling(SAMPLE_MS);
    const progress = setInterval(() => {
      void running.status().then((s) => {
        const real = (counts.get(200) ?? 0).toLocaleString("en");
        log(
          `${backend}: ${Math.round((Date.now() - began) / 1000)} s, ${total(counts).toLocaleString("en")} requests, ` +
            `RSS ${mb(s.rssKb)} MB, real client ok ${real}`,
        );
      });
    }, PROGRESS_MS);
    let real: RealClientResult;
    try {
      [real] = await Promise.all([
        realClient(running.url, PASSWORD, until, counts),
        ...Array.from({ length: args.attackers }, (_, i) => attacker(running.url, i, until, counts)),
      ]);
    } finally {
      clearInterval(progress);
    }
    const peakSampled = running.stopSampling();
    const end = (await running.status()).rssKb;
    const peak = Math.max(peakSampled, start, end);

    // The aggregator writes its open window at shutdown; only then is the table complete.
    await running.stop();
    svc = undefined;
    let audit: AuditRows;
    if (db !== undefined) audit = await readAuditRows({ url: db.url });
    else {
      // Only a running process serves the embedded database; start the service again to read it.
      const reader = await RunningService.start(env, join(dir, "service-reader.log"));
      try {
        audit = await readAuditRows({ socketDir: embeddedSocketDir(env.dataDir) });
      } finally {
        await reader.stop();
      }
    }
    log(`${backend}: done, ${audit.rows} audit rows for ${audit.attempts.toLocaleString("en")} attempts`);
    return {
      backend,
      durationS: args.duration,
      rssMb: { start: mb(start), peak: mb(peak), end: mb(end) },
      statuses: record(counts),
      requests: total(counts),
      realClient: {
        ok: real.ok,
        failed: real.failed,
        failedByStatus: record(real.failedByStatus),
        latency: summarise(real.latenciesMs),
      },
      audit,
    };
  } finally {
    await svc?.stop();
    await db?.drop().catch((err: unknown) => log(`could not drop the bench database: ${String(err)}`));
  }
}

function targets(runs: readonly BackendRun[]): Target[] {
  return runs.flatMap((r) => {
    const realTotal = r.realClient.ok + r.realClient.failed;
    return [
      {
        name: `${r.backend}: peak RSS`,
        measured: `${r.rssMb.peak} MB`,
        target: `< ${PEAK_RSS_TARGET_MB} MB`,
        pass: r.rssMb.peak < PEAK_RSS_TARGET_MB,
      },
      {
        name: `${r.backend}: real client success`,
        measured: `${r.realClient.ok} / ${realTotal}`,
        target: "100 %",
        pass: realTotal > 0 && r.realClient.failed === 0,
      },
      {
        // Per aggregator window (a UTC minute), which a 60 s run always straddles; the real
        // client's own successes are one row each by design (0711) and are not held to it.
        name: `${r.backend}: failure audit rows per minute`,
        measured: `${r.audit.maxFailureRowsPerMinute} (${r.audit.failureRows} in all)`,
        target: `<= ${AUDIT_ROWS_PER_MINUTE}`,
        pass: r.audit.maxFailureRowsPerMinute <= AUDIT_ROWS_PER_MINUTE,
      },
    ];
  });
}

function render(runs: readonly BackendRun[], t: readonly Target[]): string {
  const parts: string[] = [];
  for (const r of runs) {
    const realTotal = r.realClient.ok + r.realClient.failed;
    const failures = Object.entries(r.realClient.failedByStatus)
      .map(([s, n]) => `${n}× ${s}`)
      .join(", ");
    parts.push(
      `\n## ${r.backend}: ${r.durationS} s hostile run, ${r.requests.toLocaleString("en")} requests\n`,
      table(
        ["measure", "value"],
        [
          ["RSS start / peak / end", `${r.rssMb.start} / ${r.rssMb.peak} / ${r.rssMb.end} MB`],
          ["RSS growth (peak - start)", `${Math.round((r.rssMb.peak - r.rssMb.start) * 10) / 10} MB`],
          [
            "real client ok / failed",
            `${r.realClient.ok} / ${r.realClient.failed}${failures ? ` (${failures})` : ""}`,
          ],
          [
            "real client p50 / p95",
            `${fmt(r.realClient.latency.median)} / ${fmt(r.realClient.latency.p95)} ms (${realTotal} presents)`,
          ],
          ["audit rows / sum(count)", `${r.audit.rows} / ${r.audit.attempts.toLocaleString("en")}`],
          ["  of which failures", `${r.audit.failureRows} / ${r.audit.failureAttempts.toLocaleString("en")}`],
          ["  most failure rows in one minute", `${r.audit.maxFailureRowsPerMinute}`],
        ],
      ),
      "",
      table(
        ["status", "requests"],
        Object.entries(r.statuses).map(([s, n]) => [s, n.toLocaleString("en")]),
      ),
    );
  }
  parts.push(
    "\n## Targets\n",
    table(
      ["target", "measured", "wanted", ""],
      t.map((x) => [x.name, x.measured, x.target, x.pass ? "✓" : "✗"]),
    ),
  );
  return parts.join("\n");
}

async function main(args: HostileArgs): Promise<void> {
  const cliPath = join(repoRoot, "packages/provider/dist/cli.js");
  await access(cliPath).catch(() => {
    throw new Error(`${cliPath} is missing: run pnpm build first`);
  });
  const scratch = await mkdtemp(join(tmpdir(), "hlp-hostile-"));
  log(`scratch directory ${scratch}${args.keep ? " (kept)" : ""}`);
  onInterrupt.push(async () => {
    if (!args.keep) await rm(scratch, { recursive: true, force: true });
  });
  const runs: BackendRun[] = [];
  try {
    for (const backend of args.backends) runs.push(await runBackend(backend, args, cliPath, scratch));
  } finally {
    if (!args.keep) await rm(scratch, { recursive: true, force: true });
  }
  const t = targets(runs);
  process.stdout.write(`${render(runs, t)}\n`);
  const outDir = resolve(repoRoot, args.outDir);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `hostile-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
        serviceNode: serviceNode(),
        serviceNodeFlags: serviceNodeFlags(),
        serviceEnvironment: serviceEnvironment(),
        args,
        runs,
        targets: t,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
}

let parsed: HostileArgs | "help";
try {
  parsed = parseHostileArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench:hostile: ${(err as Error).message}\n`);
  process.exit(2);
}
if (parsed === "help") {
  process.stdout.write(`${HOSTILE_USAGE}\n`);
} else {
  main(parsed).catch((err: unknown) => {
    process.stderr.write(`bench:hostile: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
