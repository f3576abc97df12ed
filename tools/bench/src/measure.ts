/**
 * The measurements of a history row against a running service: the password check, sequential
 * present+cleanup pairs, closed-loop load, and the clone-per-request baseline's load.
 */
import { randomBytes } from "node:crypto";
import { type BaselineRemote, baselinePresent } from "./baseline.js";
import { AUTH } from "./credentials.js";
import { gitEnv, run } from "./exec.js";
import { BenchClient } from "./http-client.js";
import { zones } from "./repo-builder.js";
import type { AuthCost, BaselineLoad, LoadRun, SequentialRun, Transport } from "./results.js";
import { parseHistogram, type RunningService } from "./service.js";
import { summarise } from "./stats.js";

/** Worker processes of the clone-per-request baseline under load (the Django app ran 4). */
export const BASELINE_WORKERS = 4;

export function challengeValue(): string {
  return randomBytes(32).toString("base64url");
}

export function pickZone(i: number): string {
  return zones[((i % zones.length) + zones.length) % zones.length] as string;
}

function histogramDelta(
  before: string,
  after: string,
  name: string,
): Map<string, { sum: number; count: number }> {
  const a = parseHistogram(before, name);
  const b = parseHistogram(after, name);
  const out = new Map<string, { sum: number; count: number }>();
  for (const [labels, v] of b) {
    const prev = a.get(labels) ?? { sum: 0, count: 0 };
    out.set(labels, { sum: v.sum - prev.sum, count: v.count - prev.count });
  }
  return out;
}

function meanMs(delta: { sum: number; count: number } | undefined): number {
  return delta && delta.count > 0 ? (delta.sum / delta.count) * 1000 : Number.NaN;
}

export async function measureAuth(svc: RunningService): Promise<AuthCost> {
  const client = new BenchClient(svc.url, AUTH);
  const before = await svc.metrics();
  // A name the user holds no grant for: Basic auth, then 403 — no git involved.
  const body = { fqdn: "_acme-challenge.www.not-granted.example.", value: challengeValue() };
  const first = await client.post("/present", body);
  if (first.status !== 403)
    throw new Error(`expected 403 for an ungranted name, got ${first.status}: ${first.body}`);
  const later: number[] = [];
  for (let i = 0; i < 20; i += 1) later.push((await client.post("/present", body)).ms);
  client.close();
  const verify = histogramDelta(before, await svc.metrics(), "hlp_auth_verify_seconds");
  return {
    firstRequestMs: first.ms,
    laterRequestMedianMs: summarise(later).median,
    verifyUncachedMs: meanMs(verify.get('{cached="false"}')),
    verifyCachedMs: meanMs(verify.get('{cached="true"}')),
  };
}

export async function sequential(
  svc: RunningService,
  n: number,
  between: ((i: number) => Promise<void>) | undefined,
): Promise<Omit<SequentialRun, "transport" | "size" | "auth" | "baseline">> {
  const client = new BenchClient(svc.url, AUTH);
  const pair = async (i: number, record?: { present: number[]; cleanup: number[] }): Promise<number> => {
    const fqdn = `_acme-challenge.seq${i}.${pickZone(i)}.`;
    const value = challengeValue();
    const p = await client.post("/present", { fqdn, value });
    const c = await client.post("/cleanup", { fqdn, value });
    record?.present.push(p.ms);
    record?.cleanup.push(c.ms);
    return (p.status >= 300 ? 1 : 0) + (c.status >= 300 ? 1 : 0);
  };
  for (let i = 0; i < 3; i += 1) await pair(-1 - i);
  const before = await svc.metrics();
  const samples = { present: [] as number[], cleanup: [] as number[] };
  let errors = 0;
  for (let i = 0; i < n; i += 1) {
    errors += await pair(i, samples);
    // The baseline's request runs right after, so both see the same machine load.
    await between?.(i);
  }
  const after = await svc.metrics();
  client.close();
  const phases: Record<string, number> = {};
  const phaseDelta = histogramDelta(before, after, "hlp_git_batch_phase_seconds");
  // Mean over all batches (a phase a batch skipped counts as 0 ms).
  const batches = phaseDelta.get('{phase="total"}')?.count ?? 0;
  for (const [labels, d] of phaseDelta) {
    const phase = /phase="([^"]+)"/.exec(labels)?.[1];
    if (phase) phases[phase] = batches > 0 ? (d.sum / batches) * 1000 : Number.NaN;
  }
  const http = histogramDelta(before, after, "hlp_http_request_duration_seconds");
  let sum = 0;
  let count = 0;
  for (const [labels, d] of http) {
    if (labels.includes('route="/present"') && labels.includes('status="200"')) {
      sum += d.sum;
      count += d.count;
    }
  }
  return {
    present: summarise(samples.present),
    cleanup: summarise(samples.cleanup),
    errors,
    phases,
    serverPresentMs: count > 0 ? (sum / count) * 1000 : Number.NaN,
  };
}

/** Reads every zone file of the remote and counts expected TXT lines that are not there. */
async function countMissing(
  bare: string,
  expected: readonly { zone: string; owner: string; value: string }[],
): Promise<number> {
  const texts = new Map<string, string>();
  for (const zone of zones) {
    texts.set(zone, await run(["git", "--git-dir", bare, "show", `main:${zone}.domain`], { env: gitEnv() }));
  }
  let missing = 0;
  for (const e of expected) {
    if (!texts.get(e.zone)?.includes(`\n${e.owner} 600 IN TXT "${e.value}"\n`)) missing += 1;
  }
  return missing;
}

export async function load(
  svc: RunningService,
  bare: string,
  transport: Transport,
  size: number,
  clients: number,
  seconds: number,
): Promise<LoadRun> {
  const client = new BenchClient(svc.url, AUTH);
  const before = await svc.metrics();
  const latencies: number[] = [];
  const landed: { zone: string; owner: string; value: string }[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const maxRequests = 200_000;
  let sent = 0;
  svc.startSampling();
  const cpuBefore = await svc.cpuSeconds();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let seq = 0; performance.now() < end && sent < maxRequests; seq += 1) {
        sent += 1;
        const zone = pickZone(Math.floor(Math.random() * zones.length));
        const owner = `_acme-challenge.c${clients}x${c}-${seq}`;
        const value = challengeValue();
        try {
          const r = await client.post("/present", { fqdn: `${owner}.${zone}.`, value });
          if (r.status >= 200 && r.status < 300) {
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
  const rssPeakKb = svc.stopSampling();
  const cpuAfter = await svc.cpuSeconds();
  const after = await svc.metrics();
  client.close();
  const batch = histogramDelta(before, after, "hlp_git_batch_size").get("") ?? { sum: 0, count: 0 };
  return {
    transport,
    size,
    clients,
    seconds: elapsed,
    ok: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    latency: summarise(latencies),
    missingInRemote: await countMissing(bare, landed),
    batches: batch.count,
    meanBatchSize: batch.count > 0 ? batch.sum / batch.count : Number.NaN,
    rssPeakMb: rssPeakKb / 1024,
    serviceCpuMsPerPresent: ((cpuAfter.self - cpuBefore.self) * 1000) / Math.max(1, latencies.length),
    gitCpuMsPerPresent: ((cpuAfter.children - cpuBefore.children) * 1000) / Math.max(1, latencies.length),
  };
}

export async function baselineLoad(
  remote: BaselineRemote,
  bare: string,
  scratch: string,
  transport: Transport,
  size: number,
  clients: number,
  seconds: number,
): Promise<BaselineLoad> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const landed: { zone: string; owner: string; value: string }[] = [];
  let attempts = 0;
  let errors = 0;
  // The clients queue in front of a fixed pool of workers, like gunicorn's sync workers
  // (4 in the upstream measurement); more parallel clone/push loops only lose more races.
  await Promise.all(
    Array.from({ length: Math.min(clients, BASELINE_WORKERS) }, async (_, c) => {
      for (let seq = 0; performance.now() < end; seq += 1) {
        const zone = pickZone(Math.floor(Math.random() * zones.length));
        const owner = `_acme-challenge.b${c}-${seq}`;
        const value = challengeValue();
        try {
          // Requests already started may finish (with retries) up to 60 s after the step ends.
          const r = await baselinePresent(remote, scratch, `${zone}.domain`, owner, value, end + 60_000);
          attempts += r.attempts;
          landed.push({ zone, owner, value });
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return {
    transport,
    size,
    clients,
    seconds: elapsed,
    durable: landed.length,
    perSecond: landed.length / elapsed,
    attempts,
    errors,
    missingInRemote: await countMissing(bare, landed),
  };
}
