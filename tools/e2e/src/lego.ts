/** The real lego binary with its httpreq DNS provider pointed at the provider under test. */
import { join } from "node:path";
import { type RunResult, run } from "@httprequest-lego-provider/run-command";

export interface LegoRequest {
  readonly lego: string;
  readonly acmeDirectory: string;
  /** CA of Pebble's HTTPS listener. */
  readonly listenerCa: string;
  readonly dnsPort: number;
  readonly endpoint: string;
  readonly username: string;
  readonly password: string;
  readonly raw: boolean;
  readonly domains: readonly string[];
  /** lego's --path: account and certificates of this request only (a fresh ACME account). */
  readonly path: string;
}

/**
 * Pure: lego's argv. `--dns.resolvers` sends lego's own lookups (CNAME following, TXT pre-check)
 * to our bind; `--dns.disable-cp` stops lego from querying each zone's NS hosts on port 53
 * through the system resolver, which would leave loopback (lego 4.9.1 cannot change that port).
 */
export function legoArgv(request: LegoRequest): string[] {
  return [
    request.lego,
    "--server",
    request.acmeDirectory,
    "--email",
    "e2e@example.test",
    "--accept-tos",
    "--dns",
    "httpreq",
    "--dns.resolvers",
    `127.0.0.1:${request.dnsPort}`,
    "--dns.disable-cp",
    "--path",
    request.path,
    ...request.domains.flatMap((domain) => ["--domains", domain]),
    "run",
  ];
}

/** Pure: lego's environment; nothing from the caller's environment (HTTPREQ_*, proxies) leaks in. */
export function legoEnv(request: LegoRequest, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LEGO_CA_CERTIFICATES: request.listenerCa,
    HTTPREQ_ENDPOINT: request.endpoint,
    HTTPREQ_USERNAME: request.username,
    HTTPREQ_PASSWORD: request.password,
    // lego sleeps one polling interval before its pre-check; 1 s instead of 2 s saves time.
    HTTPREQ_POLLING_INTERVAL: "1",
    HTTPREQ_PROPAGATION_TIMEOUT: "30",
    HTTPREQ_HTTP_TIMEOUT: "30",
    ...(request.raw ? { HTTPREQ_MODE: "RAW" } : {}),
  };
}

/** Where lego writes the certificate: named after the first domain, "*" spelt "_". */
export function certificatePath(request: LegoRequest): string {
  const first = request.domains[0];
  if (first === undefined) throw new Error("lego needs at least one domain");
  return join(request.path, "certificates", `${first.replace("*", "_")}.crt`);
}

export function issuerPath(request: LegoRequest): string {
  return certificatePath(request).replace(/\.crt$/, ".issuer.crt");
}

export function runLego(request: LegoRequest, home: string): Promise<RunResult> {
  return run(legoArgv(request), { env: legoEnv(request, home), timeoutMs: 120_000, allowFailure: true });
}
