/**
 * The acme-dns clients of the run: the real acme.sh with its `dns_acmedns` hook, unchanged (a
 * pinned commit, checked clean); the request goacmedns sends (lego's `acme-dns` provider and
 * cert-manager's `acmeDNS` solver use goacmedns; Debian's lego is built without that provider);
 * and Debian's dehydrated driven by our hook, which sends goacmedns's request.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunResult, run } from "@httprequest-lego-provider/run-command";

/** acme.sh 3.1.3 (acmesh-official/acme.sh). git checks every object against this id. */
export const ACME_SH_VERSION = "3.1.3";
export const ACME_SH_COMMIT = "76d1377fc12a0f9408d8917bebb8532e3f24d3ab";
export const ACME_SH_REPOSITORY = "https://github.com/acmesh-official/acme.sh";

/** The launcher hands the checkout to the run inside the namespace through this variable. */
export const ACME_SH_DIR_VARIABLE = "E2E_ACME_SH_DIR";

/** Pure: where the checkout is kept: E2E_ACME_SH_DIR, else a per-commit cache directory. */
export function acmeShDir(env: NodeJS.ProcessEnv): string {
  const given = env[ACME_SH_DIR_VARIABLE];
  if (given !== undefined && given !== "") return given;
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(cache, "httprequest-lego-provider", `acme.sh-${ACME_SH_COMMIT.slice(0, 12)}`);
}

/**
 * Outside the namespace (it may need the network): fetches the pinned commit once, then checks the
 * checkout is exactly that commit with no local change. Returns the directory, or why not.
 */
export async function ensureAcmeSh(
  git: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<{ dir: string } | { problem: string; unreachable?: boolean }> {
  const dir = acmeShDir(env);
  if (!existsSync(join(dir, "acme.sh"))) {
    log(`fetching acme.sh ${ACME_SH_VERSION} (${ACME_SH_COMMIT.slice(0, 12)}) into ${dir}`);
    const steps = [
      [git, "init", "-q", dir],
      [git, "-C", dir, "fetch", "-q", "--depth", "1", ACME_SH_REPOSITORY, ACME_SH_COMMIT],
      [git, "-C", dir, "checkout", "-q", "FETCH_HEAD"],
    ];
    for (const argv of steps) {
      const r = await run(argv, { allowFailure: true, timeoutMs: 120_000 });
      if (r.code !== 0) {
        return {
          unreachable: true,
          problem:
            `could not fetch acme.sh (${r.stderr.trim().split("\n").at(-1) ?? `exit ${r.code}`}): ` +
            `clone ${ACME_SH_REPOSITORY} at ${ACME_SH_COMMIT} and set ${ACME_SH_DIR_VARIABLE} to it`,
        };
      }
    }
  }
  const head = await run([git, "-C", dir, "rev-parse", "HEAD"], { allowFailure: true });
  if (head.stdout.trim() !== ACME_SH_COMMIT) {
    return { problem: `${dir} is at ${head.stdout.trim() || "no commit"}, not acme.sh ${ACME_SH_COMMIT}` };
  }
  const status = await run([git, "-C", dir, "status", "--porcelain", "--untracked-files=no"], {
    allowFailure: true,
  });
  if (status.code !== 0 || status.stdout.trim() !== "") {
    return { problem: `${dir} has local changes: acme.sh must run unchanged` };
  }
  return { dir };
}

export interface AcmeShRequest {
  readonly dir: string;
  readonly acmeDirectory: string;
  /** CA of Pebble's HTTPS listener. */
  readonly listenerCa: string;
  /** acme.sh's home, config and certificates: this request's only. */
  readonly home: string;
  readonly domains: readonly string[];
  readonly endpoint: string;
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
}

/**
 * Pure: acme.sh's argv. `--dnssleep` replaces its public-resolver (DoH) check, which cannot work
 * inside the namespace; the records are already served when /update answers (decision 0402).
 */
export function acmeShArgv(request: AcmeShRequest): string[] {
  return [
    join(request.dir, "acme.sh"),
    "--issue",
    "--dns",
    "dns_acmedns",
    ...request.domains.flatMap((domain) => ["-d", domain]),
    "--server",
    request.acmeDirectory,
    "--ca-bundle",
    request.listenerCa,
    "--home",
    request.home,
    "--config-home",
    join(request.home, "config"),
    "--cert-home",
    join(request.home, "certs"),
    "--accountemail",
    "e2e@example.test",
    "--keylength",
    "ec-256",
    "--dnssleep",
    "1",
    "--no-color",
  ];
}

/** Pure: acme.sh's environment: the documented ACMEDNS_* variables and nothing from ours. */
export function acmeShEnv(request: AcmeShRequest): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: request.home,
    ACMEDNS_BASE_URL: request.endpoint,
    ACMEDNS_USERNAME: request.username,
    ACMEDNS_PASSWORD: request.password,
    ACMEDNS_SUBDOMAIN: request.subdomain,
  };
}

/** Where acme.sh writes the certificate and its issuer (ECC keys get an `_ecc` directory). */
export function acmeShCertificate(request: AcmeShRequest): { cert: string; issuer: string } {
  const first = request.domains[0];
  if (first === undefined) throw new Error("acme.sh needs at least one domain");
  const dir = join(request.home, "certs", `${first}_ecc`);
  return { cert: join(dir, `${first}.cer`), issuer: join(dir, "ca.cer") };
}

export function runAcmeSh(request: AcmeShRequest): Promise<RunResult> {
  return run(acmeShArgv(request), { env: acmeShEnv(request), timeoutMs: 180_000, allowFailure: true });
}

/** What goacmedns sends for UpdateTXTRecord (json.Encoder: compact JSON and a newline). */
export async function goacmednsUpdate(
  endpoint: string,
  account: { username: string; password: string; subdomain: string },
  txt: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${endpoint}/update`, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "User-Agent": "goacmedns (linux; amd64)",
      "Content-Type": "application/json",
      "X-Api-User": account.username,
      "X-Api-Key": account.password,
    },
    body: `${JSON.stringify({ subdomain: account.subdomain, txt })}\n`,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}

/** Our dehydrated hook (tools/e2e/hooks), next to dist/ in the package. */
export const DEHYDRATED_HOOK = fileURLToPath(new URL("../hooks/dehydrated-acmedns.sh", import.meta.url));

export interface DehydratedRequest {
  readonly dehydrated: string;
  readonly hook: string;
  readonly acmeDirectory: string;
  readonly listenerCa: string;
  /** dehydrated's BASEDIR: config, account and certificates of this request only. */
  readonly baseDir: string;
  readonly domains: readonly string[];
  readonly endpoint: string;
  readonly username: string;
  readonly password: string;
}

/** Pure: dehydrated's config file (a bash fragment it sources; every value single-quoted). */
export function dehydratedConfig(request: DehydratedRequest): string {
  const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
  const settings: [string, string][] = [
    ["CA", request.acmeDirectory],
    ["CHALLENGETYPE", "dns-01"],
    ["HOOK", request.hook],
    ["HOOK_CHAIN", "no"],
    ["BASEDIR", request.baseDir],
    ["CURL_OPTS", `--cacert ${request.listenerCa}`],
    ["CONTACT_EMAIL", "e2e@example.test"],
    ["KEY_ALGO", "prime256v1"],
  ];
  return `${settings.map(([k, v]) => `${k}=${quote(v)}`).join("\n")}\n`;
}

/** Pure: the two runs: register the ACME account, then sign. */
export function dehydratedArgvs(request: DehydratedRequest, configFile: string): string[][] {
  return [
    [request.dehydrated, "--config", configFile, "--register", "--accept-terms"],
    [
      request.dehydrated,
      "--config",
      configFile,
      "--cron",
      ...request.domains.flatMap((d) => ["--domain", d]),
    ],
  ];
}

/** Pure: the hook's environment (what an operator would export). */
export function dehydratedEnv(request: DehydratedRequest): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: request.baseDir,
    ACMEDNS_BASE_URL: request.endpoint,
    ACMEDNS_USERNAME: request.username,
    ACMEDNS_PASSWORD: request.password,
  };
}

/** Where dehydrated links the certificate and its chain (named after the first domain). */
export function dehydratedCertificate(request: DehydratedRequest): { cert: string; issuer: string } {
  const first = request.domains[0];
  if (first === undefined) throw new Error("dehydrated needs at least one domain");
  const dir = join(request.baseDir, "certs", first);
  return { cert: join(dir, "cert.pem"), issuer: join(dir, "chain.pem") };
}

export async function runDehydrated(request: DehydratedRequest): Promise<RunResult> {
  const configFile = join(request.baseDir, "config");
  await mkdir(request.baseDir, { recursive: true });
  await writeFile(configFile, dehydratedConfig(request));
  let last: RunResult | undefined;
  for (const argv of dehydratedArgvs(request, configFile)) {
    last = await run(argv, { env: dehydratedEnv(request), timeoutMs: 180_000, allowFailure: true });
    if (last.code !== 0) return last;
  }
  return last as RunResult;
}
