/**
 * The embedded default over minutes: 16 clients run present + cleanup pairs; throughput, median
 * pair latency and RSS are reported per minute. Memory must stay in budget and throughput flat.
 */
import { randomBytes } from "node:crypto";
import { BenchClient } from "../http-client.js";
import { zones } from "../repo-builder.js";
import { fmt, type Summary, summarise } from "../stats.js";
import { table } from "../table.js";
import { startRowService } from "./common.js";
import type { RowContext, RowReport, RowTarget } from "./context.js";

const CLIENTS = 16;
/** Bounds the run whatever the duration. */
const MAX_PAIRS = 2_000_000;

interface SoakMinute {
  readonly minute: number;
  readonly pairsPerSecond: number;
  readonly errors: number;
  readonly pairLatency: Summary;
  readonly rssMaxMb: number;
  readonly rssEndMb: number;
}

export async function soakRow(ctx: RowContext): Promise<RowReport> {
  const minutes = ctx.soakMinutes;
  ctx.log(`soak: embedded default, ${CLIENTS} clients, present + cleanup pairs for ${minutes} min`);
  const { svc } = await startRowService(ctx, "soak-pglite", undefined);
  const perMinute: { pairs: number[]; errors: number; rss: number[] }[] = Array.from(
    { length: minutes },
    () => ({
      pairs: [],
      errors: 0,
      rss: [],
    }),
  );
  const client = new BenchClient(svc.url, ctx.auth);
  const start = performance.now();
  const end = start + minutes * 60_000;
  const minuteOf = () => Math.min(minutes - 1, Math.floor((performance.now() - start) / 60_000));
  const sampler = setInterval(() => {
    void svc.status().then((s) => perMinute[minuteOf()]?.rss.push(s.rssKb / 1024));
  }, 1000);
  let sent = 0;
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let seq = 0; performance.now() < end && sent < MAX_PAIRS; seq += 1) {
          sent += 1;
          const fqdn = `_acme-challenge.soak${c}-${seq}.${zones[seq % zones.length]}.`;
          const value = randomBytes(32).toString("base64url");
          const t = performance.now();
          try {
            const p = await client.post("/present", { fqdn, value });
            const q = await client.post("/cleanup", { fqdn, value });
            const bucket = perMinute[minuteOf()];
            if (!bucket) continue;
            if (p.status === 200 && q.status === 200) bucket.pairs.push(performance.now() - t);
            else bucket.errors += 1;
          } catch {
            const bucket = perMinute[minuteOf()];
            if (bucket) bucket.errors += 1;
          }
        }
      }),
    );
  } finally {
    clearInterval(sampler);
    client.close();
    await svc.stop();
  }
  const rows: SoakMinute[] = perMinute.map((m, i) => ({
    minute: i + 1,
    pairsPerSecond: m.pairs.length / 60,
    errors: m.errors,
    pairLatency: summarise(m.pairs),
    rssMaxMb: Math.max(0, ...m.rss),
    rssEndMb: m.rss.at(-1) ?? Number.NaN,
  }));
  for (const r of rows)
    ctx.log(`  minute ${r.minute}: ${fmt(r.pairsPerSecond)} pairs/s, RSS max ${fmt(r.rssMaxMb)} MB`);
  const first = rows[0];
  const last = rows.at(-1);
  const rssMax = Math.max(0, ...rows.map((r) => r.rssMaxMb));
  const flat = first && last ? last.pairsPerSecond / Math.max(first.pairsPerSecond, 1e-9) : Number.NaN;
  const targets: RowTarget[] = [
    {
      name: `soak: embedded peak RSS over ${minutes} min`,
      measured: `${fmt(rssMax)} MB`,
      target: "<= 150 MB",
      pass: rssMax <= 150,
    },
    {
      name: "soak: last-minute vs first-minute throughput",
      measured: `${flat.toFixed(2)}x`,
      target: ">= 0.9x",
      pass: flat >= 0.9,
    },
  ];
  if (minutes < 5) {
    targets.push({ name: "soak: duration", measured: `${minutes} min`, target: ">= 5 min", pass: false });
  }
  const text = [
    `\nSoak on the embedded default (${CLIENTS} clients, present + cleanup pairs, ${minutes} min)`,
    table(
      ["minute", "pairs/s", "errors", "pair median ms", "pair p95 ms", "RSS max MB", "RSS end MB"],
      rows.map((r) => [
        String(r.minute),
        fmt(r.pairsPerSecond),
        String(r.errors),
        fmt(r.pairLatency.median),
        fmt(r.pairLatency.p95),
        fmt(r.rssMaxMb),
        fmt(r.rssEndMb),
      ]),
    ),
  ].join("\n");
  return { key: "soak", text, targets, data: rows };
}
