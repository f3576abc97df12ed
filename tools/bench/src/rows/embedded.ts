/**
 * The embedded default against PostgreSQL, side by side on copies of one repository: presents/s
 * at 64 clients, peak RSS, and the server-side time of a cached auth + permission check.
 */
import { fmt } from "../stats.js";
import { table } from "../table.js";
import { cachedCheckMs, startRowService } from "./common.js";
import type { LoadResult, RowContext, RowReport, RowTarget } from "./context.js";

const CLIENTS = 64;

interface EmbeddedSide {
  readonly database: "pglite" | "postgresql";
  readonly load: LoadResult;
  readonly cachedCheckMs: number;
}

async function measure(ctx: RowContext, database: EmbeddedSide["database"]): Promise<EmbeddedSide> {
  const { svc, bare } = await startRowService(
    ctx,
    `embedded-${database}`,
    database === "pglite" ? undefined : ctx.databaseUrl,
  );
  try {
    const check = await cachedCheckMs(svc, ctx.auth);
    ctx.log(`  ${database}: ${CLIENTS} clients for ${ctx.duration} s`);
    const load = await ctx.load(svc, bare, CLIENTS, ctx.duration);
    ctx.log(
      `    ${fmt(load.perSecond)} presents/s, peak RSS ${fmt(load.rssPeakMb)} MB, ${load.errors} errors`,
    );
    return { database, load, cachedCheckMs: check };
  } finally {
    await svc.stop();
  }
}

export async function embeddedRow(ctx: RowContext): Promise<RowReport> {
  ctx.log("embedded default (PGlite) against PostgreSQL");
  const pglite = await measure(ctx, "pglite");
  const postgresql = await measure(ctx, "postgresql");
  const ratio = pglite.load.perSecond / Math.max(postgresql.load.perSecond, 1e-9);
  const targets: RowTarget[] = [
    {
      name: `embedded: presents/s at ${CLIENTS} clients`,
      measured: fmt(pglite.load.perSecond),
      target: ">= 250/s",
      pass: pglite.load.perSecond >= 250,
    },
    {
      name: `embedded: presents/s vs PostgreSQL at ${CLIENTS} clients`,
      measured: `${ratio.toFixed(2)}x`,
      target: ">= 0.9x",
      pass: ratio >= 0.9,
    },
    {
      name: `embedded: peak RSS during ${CLIENTS} clients`,
      measured: `${fmt(pglite.load.rssPeakMb)} MB`,
      target: "<= 150 MB",
      pass: pglite.load.rssPeakMb <= 150,
    },
    {
      name: "embedded: acknowledged presents missing from the remote",
      measured: String(pglite.load.missingInRemote),
      target: "0",
      pass: pglite.load.missingInRemote === 0,
    },
  ];
  for (const side of [pglite, postgresql]) {
    targets.push({
      name: `${side.database}: server-side cached auth + permission check`,
      measured: `${fmt(side.cachedCheckMs, 3)} ms`,
      target: "< 1 ms",
      pass: side.cachedCheckMs < 1,
    });
  }
  const text = [
    `\nEmbedded default against PostgreSQL (${CLIENTS} clients, ${ctx.duration} s, presents only; cached check = server-side mean of a cached auth + permission check answered 403)`,
    table(
      [
        "database",
        "presents/s",
        "ok",
        "errors",
        "median ms",
        "p95 ms",
        "peak RSS MB",
        "missing",
        "cached check ms",
      ],
      [pglite, postgresql].map((s) => [
        s.database,
        fmt(s.load.perSecond),
        String(s.load.ok),
        String(s.load.errors),
        fmt(s.load.latency.median),
        fmt(s.load.latency.p95),
        fmt(s.load.rssPeakMb),
        String(s.load.missingInRemote),
        fmt(s.cachedCheckMs, 3),
      ]),
    ),
  ].join("\n");
  return { key: "embedded", text, targets, data: { pglite, postgresql, ratio } };
}
