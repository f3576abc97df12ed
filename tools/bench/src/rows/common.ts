/** Small pieces the issue-15 rows share: a fresh service on its own copy of the repository. */
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { BenchClient } from "../http-client.js";
import { BENCH_PARENT } from "../repo-builder.js";
import { cli, parseHistogram, RunningService, type ServiceEnv } from "../service.js";
import type { RowContext } from "./context.js";

export interface RowService {
  readonly svc: RunningService;
  readonly bare: string;
  readonly env: ServiceEnv;
}

/**
 * Starts the service on `databaseUrl` (undefined: the embedded PGlite default in a fresh data
 * directory) and a copy of the repository. On a fresh database (`fresh`, always for PGlite) the
 * schema and the bench user are created first with the CLI.
 */
export async function startRowService(
  ctx: RowContext,
  name: string,
  databaseUrl: string | undefined,
  fresh = databaseUrl === undefined,
): Promise<RowService> {
  const bare = join(ctx.scratch, "remotes", `${name}.git`);
  await mkdir(join(ctx.scratch, "remotes"), { recursive: true });
  await cp(ctx.sourceRepo, bare, { recursive: true });
  const env: ServiceEnv = {
    cliPath: ctx.cliPath,
    databaseUrl,
    dataDir: join(ctx.scratch, "service-data", name),
    gitRepo: `file://${bare}`,
  };
  if (fresh) {
    await cli(env, ["migrate"]);
    await cli(env, ["create-user", "bench", "--password", ctx.password]);
    await cli(env, ["allow-domains", "bench", "--subdomains", BENCH_PARENT]);
  }
  const svc = await RunningService.start(env, join(ctx.scratch, `service-${name}.log`));
  ctx.onInterrupt(() => svc.stop());
  return { svc, bare, env };
}

/** One value of a counter or gauge without labels from /metrics text (0 when absent). */
export function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
  return Number(m?.[1] ?? 0);
}

/**
 * Server-side mean time of a request whose credentials are cached and whose name is not granted:
 * Basic auth, principal lookup and permission check, answered 403 with no git involved.
 */
export async function cachedCheckMs(svc: RunningService, auth: string, requests = 50): Promise<number> {
  const client = new BenchClient(svc.url, auth);
  const body = { fqdn: "_acme-challenge.www.not-granted.example.", value: "cached-check" };
  try {
    // Warms the credential and principal caches.
    await client.post("/present", body);
    const before = parseHistogram(await svc.metrics(), "hlp_http_request_duration_seconds");
    for (let i = 0; i < requests; i += 1) await client.post("/present", body);
    const after = parseHistogram(await svc.metrics(), "hlp_http_request_duration_seconds");
    let sum = 0;
    let count = 0;
    for (const [labels, v] of after) {
      if (!labels.includes('route="/present"') || !labels.includes('status="403"')) continue;
      const prev = before.get(labels) ?? { sum: 0, count: 0 };
      sum += v.sum - prev.sum;
      count += v.count - prev.count;
    }
    return count > 0 ? (sum / count) * 1000 : Number.NaN;
  } finally {
    client.close();
  }
}
