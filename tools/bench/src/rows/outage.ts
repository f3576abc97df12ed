/**
 * PostgreSQL stops under load: a private server (started and stopped by the row) serves the
 * service; 16 clients present before, during and after the outage. Clients the database confirmed
 * keep working, an unknown one is told 503, /readyz reports the database, and the audit entries
 * held meanwhile are written once it is back.
 */
import { type PrivateCluster, startPrivateCluster } from "@httprequest-lego-provider/test-postgres";
import { BenchClient } from "../http-client.js";
import { fmt } from "../stats.js";
import { table } from "../table.js";
import { metricValue, startRowService } from "./common.js";
import type { LoadResult, RowContext, RowReport, RowTarget } from "./context.js";

const CLIENTS = 16;
const AUDIT_FLUSH_TIMEOUT_MS = 90_000;

interface OutagePhase {
  readonly phase: "before" | "during" | "after";
  readonly load: LoadResult;
}

export async function outageRow(ctx: RowContext): Promise<RowReport> {
  ctx.log(
    `database outage: private PostgreSQL, ${CLIENTS} clients, ${ctx.duration} s before, during and after`,
  );
  const cluster: PrivateCluster = await startPrivateCluster();
  ctx.onInterrupt(() => cluster.stop());
  const phases: OutagePhase[] = [];
  let unknownStatus = 0;
  let readyDuring = 0;
  let auditPendingDuring = 0;
  let auditFlushedMs = Number.NaN;
  let auditDropped = Number.NaN;
  try {
    const { svc, bare } = await startRowService(ctx, "outage", cluster.adminUrl, true);
    const probe = new BenchClient(svc.url, undefined);
    const stranger = new BenchClient(svc.url, "stranger:stranger-password-1");
    try {
      phases.push({ phase: "before", load: await ctx.load(svc, bare, CLIENTS, ctx.duration) });
      await cluster.pause();
      ctx.log("  PostgreSQL stopped");
      phases.push({ phase: "during", load: await ctx.load(svc, bare, CLIENTS, ctx.duration) });
      unknownStatus = (
        await stranger.post("/present", { fqdn: "_acme-challenge.x.bench.test.", value: "outage-unknown" })
      ).status;
      readyDuring = (await probe.get("/readyz")).status;
      auditPendingDuring = metricValue(await svc.metrics(), "hlp_audit_pending");
      await cluster.resume();
      ctx.log("  PostgreSQL started again");
      const resumed = performance.now();
      phases.push({ phase: "after", load: await ctx.load(svc, bare, CLIENTS, ctx.duration) });
      // The writer retries with backoff (at most 30 s apart): wait for its queue to empty.
      for (;;) {
        const text = await svc.metrics();
        if (metricValue(text, "hlp_audit_pending") === 0) {
          auditFlushedMs = performance.now() - resumed;
          auditDropped = metricValue(text, "hlp_audit_dropped_total");
          break;
        }
        if (performance.now() - resumed > AUDIT_FLUSH_TIMEOUT_MS) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      probe.close();
      stranger.close();
      await svc.stop();
    }
  } finally {
    await cluster.stop();
  }
  for (const p of phases)
    ctx.log(`  ${p.phase}: ${fmt(p.load.perSecond)} presents/s, ${p.load.errors} errors`);
  const before = phases.find((p) => p.phase === "before")?.load;
  const during = phases.find((p) => p.phase === "during")?.load;
  const ratio = before && during ? during.perSecond / Math.max(before.perSecond, 1e-9) : Number.NaN;
  const missing = phases.reduce((n, p) => n + p.load.missingInRemote, 0);
  const targets: RowTarget[] = [
    {
      name: "outage: failed presents of a recently verified client",
      measured: String(during?.errors ?? Number.NaN),
      target: "0",
      pass: during?.errors === 0,
    },
    {
      name: "outage: presents/s during vs before",
      measured: `${ratio.toFixed(2)}x`,
      target: ">= 0.8x",
      pass: ratio >= 0.8,
    },
    {
      name: "outage: unknown client's answer",
      measured: String(unknownStatus),
      target: "503",
      pass: unknownStatus === 503,
    },
    {
      name: "outage: /readyz during",
      measured: String(readyDuring),
      target: "503",
      pass: readyDuring === 503,
    },
    {
      name: "outage: audit entries held, written after, none dropped",
      measured: `${auditPendingDuring} held, ${Number.isFinite(auditFlushedMs) ? `written ${fmt(auditFlushedMs / 1000)} s after` : "NOT written"}, ${auditDropped} dropped`,
      target: "all written, 0 dropped",
      pass: auditPendingDuring > 0 && Number.isFinite(auditFlushedMs) && auditDropped === 0,
    },
    {
      name: "outage: acknowledged presents missing from the remote",
      measured: String(missing),
      target: "0",
      pass: missing === 0,
    },
  ];
  const text = [
    `\nDatabase outage (private PostgreSQL stopped for ${ctx.duration} s under ${CLIENTS} clients, presents only)`,
    table(
      ["phase", "presents/s", "ok", "errors", "median ms", "p95 ms", "missing in remote"],
      phases.map((p) => [
        p.phase,
        fmt(p.load.perSecond),
        String(p.load.ok),
        String(p.load.errors),
        fmt(p.load.latency.median),
        fmt(p.load.latency.p95),
        String(p.load.missingInRemote),
      ]),
    ),
  ].join("\n");
  return {
    key: "outage",
    text,
    targets,
    data: { phases, unknownStatus, readyDuring, auditPendingDuring, auditFlushedMs, auditDropped },
  };
}
