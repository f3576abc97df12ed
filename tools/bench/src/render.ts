/** The history tables and the table of targets, as the bench prints them. */
import type { BenchArgs } from "./args.js";
import { DJANGO_ITERATIONS } from "./database.js";
import { BASELINE_WORKERS } from "./measure.js";
import { zones } from "./repo-builder.js";
import type { BaselineLoad, LoadRun, SequentialRun } from "./results.js";
import type { RowReport, RowTarget } from "./rows/context.js";
import { fmt } from "./stats.js";
import { table } from "./table.js";
import { judge } from "./targets.js";

export function render(
  seq: SequentialRun[],
  loads: LoadRun[],
  baseLoads: BaselineLoad[],
  args: BenchArgs,
  extra: readonly RowReport[] = [],
): { text: string; targets: RowTarget[] } {
  const parts: string[] = [];
  parts.push(
    "\nSequential present + cleanup over HTTP (Basic auth), ms; baseline = clone per request (git only)",
  );
  parts.push(
    table(
      [
        "transport",
        "commits",
        "present min",
        "median",
        "p95",
        "max",
        "cleanup median",
        "baseline median",
        "baseline p95",
        "ratio",
        "errors",
      ],
      seq.map((r) => [
        r.transport,
        r.size.toLocaleString("en"),
        fmt(r.present.min),
        fmt(r.present.median),
        fmt(r.present.p95),
        fmt(r.present.max),
        fmt(r.cleanup.median),
        r.baseline ? fmt(r.baseline.median) : "-",
        r.baseline ? fmt(r.baseline.p95) : "-",
        r.baseline ? `${(r.baseline.median / r.present.median).toFixed(1)}x` : "-",
        String(r.errors),
      ]),
    ),
  );
  parts.push(
    "\nWhere the time goes per sequential request, ms (service means per batch from /metrics; HTTP = client median - git total)",
  );
  parts.push(
    table(
      [
        "transport",
        "commits",
        "edit",
        "commit",
        "push",
        "fetch",
        "git total",
        "server /present",
        "client median",
        "HTTP+auth+db",
      ],
      seq.map((r) => [
        r.transport,
        r.size.toLocaleString("en"),
        fmt(r.phases.edit ?? Number.NaN),
        fmt(r.phases.commit ?? Number.NaN),
        fmt(r.phases.push ?? Number.NaN),
        fmt(r.phases.fetch ?? 0),
        fmt(r.phases.total ?? Number.NaN),
        fmt(r.serverPresentMs),
        fmt(r.present.median),
        fmt(r.present.median - (r.phases.total ?? Number.NaN)),
      ]),
    ),
  );
  parts.push(`\nAuthentication (pbkdf2_sha256, ${DJANGO_ITERATIONS.toLocaleString("en")} iterations), ms`);
  parts.push(
    table(
      [
        "transport",
        "commits",
        "1st request (403)",
        "later requests median",
        "password check uncached",
        "password check cached",
      ],
      seq.map((r) => [
        r.transport,
        r.size.toLocaleString("en"),
        fmt(r.auth.firstRequestMs),
        fmt(r.auth.laterRequestMedianMs, 2),
        fmt(r.auth.verifyUncachedMs),
        fmt(r.auth.verifyCachedMs, 4),
      ]),
    ),
  );
  if (loads.length > 0) {
    parts.push(
      `\nClosed-loop load (${args.duration} s per step, presents only, unique names across ${zones.length} zones)`,
    );
    parts.push(
      table(
        [
          "transport",
          "commits",
          "clients",
          "presents/s",
          "ok",
          "errors",
          "median ms",
          "p95 ms",
          "max ms",
          "batches",
          "mean batch",
          "missing in remote",
          "peak RSS MB",
          "service CPU ms/present",
          "git CPU ms/present",
        ],
        loads.map((l) => [
          l.transport,
          l.size.toLocaleString("en"),
          String(l.clients),
          fmt(l.perSecond),
          String(l.ok),
          String(l.errors),
          fmt(l.latency.median),
          fmt(l.latency.p95),
          fmt(l.latency.max),
          String(l.batches),
          fmt(l.meanBatchSize),
          String(l.missingInRemote),
          fmt(l.rssPeakMb),
          l.serviceCpuMsPerPresent.toFixed(2),
          l.gitCpuMsPerPresent.toFixed(2),
        ]),
      ),
    );
  }
  if (baseLoads.length > 0) {
    parts.push(
      `\nBaseline closed-loop load (clone per request on ${BASELINE_WORKERS} workers, retrying rejected pushes; errors = still rejected 60 s after the step)`,
    );
    parts.push(
      table(
        [
          "transport",
          "commits",
          "clients",
          "durable presents/s",
          "durable",
          "attempts",
          "errors",
          "missing in remote",
        ],
        baseLoads.map((b) => [
          b.transport,
          b.size.toLocaleString("en"),
          String(b.clients),
          b.perSecond.toFixed(2),
          String(b.durable),
          String(b.attempts),
          String(b.errors),
          String(b.missingInRemote),
        ]),
      ),
    );
  }
  for (const row of extra) parts.push(row.text);
  const t = [...judge({ seq, loads, baseLoads, sizes: args.sizes }), ...extra.flatMap((row) => row.targets)];
  parts.push("\nTargets");
  parts.push(
    table(
      ["target", "measured", "wanted", "ok"],
      t.map((x) => [x.name, x.measured, x.target, x.pass ? "yes" : "NO"]),
    ),
  );
  return { text: parts.join("\n"), targets: t };
}
