/**
 * The provider under test, driven only through its built CLI (`dist/cli.js`) and its HTTP API,
 * configured through the environment its contract documents.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Daemon, type RunResult, run, start } from "@httprequest-lego-provider/run-command";
import type { Layout } from "./layout.js";
import type { Ports } from "./ports.js";
import { waitUntil } from "./wait-until.js";

export interface ProviderSetup {
  readonly cli: string;
  readonly env: NodeJS.ProcessEnv;
  readonly baseUrl: string;
}

export function providerEnv(layout: Layout, ports: Ports, connectString: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // A scratch HOME and no system git config: the machine's settings must not leak in.
    HOME: layout.home,
    GIT_CONFIG_NOSYSTEM: "1",
    APP_HOST: "127.0.0.1",
    APP_PORT: String(ports.provider),
    APP_SECRET_KEY: randomBytes(32).toString("hex"),
    APP_DATA_DIR: layout.providerDataDir,
    APP_GIT_REPO: pathToFileURL(layout.bareRepo).href,
    POSTGRESQL_DB_CONNECT_STRING: connectString,
    APP_LOG_LEVEL: "info",
  };
}

export async function prepareProvider(
  cli: string,
  layout: Layout,
  ports: Ports,
  connectString: string,
): Promise<ProviderSetup> {
  await mkdir(layout.providerDataDir, { recursive: true });
  return {
    cli,
    env: providerEnv(layout, ports, connectString),
    baseUrl: `http://127.0.0.1:${ports.provider}`,
  };
}

/** One CLI command (`migrate`, `create-user`, ...); throws with its output when it fails. */
export function providerCli(setup: ProviderSetup, args: readonly string[]): Promise<RunResult> {
  return run([process.execPath, setup.cli, ...args], { env: setup.env, timeoutMs: 60_000 });
}

export async function startProvider(
  setup: ProviderSetup,
  layout: Layout,
  name = "provider",
): Promise<Daemon> {
  const daemon = start(name, [process.execPath, setup.cli, "serve"], {
    env: setup.env,
    logFile: join(layout.logDir, `${name}.log`),
  });
  const abortIf = () => (daemon.hasExited() ? `the provider exited; see ${daemon.logFile}` : undefined);
  // /healthz: the process answers; /readyz: the database and the DNS repository are reachable.
  for (const path of ["/healthz", "/readyz"]) {
    await waitUntil(
      `provider ${path}`,
      async () => {
        const response = await fetch(`${setup.baseUrl}${path}`);
        if (response.status === 200) return true;
        throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 400)}`);
      },
      { timeoutMs: 30_000, intervalMs: 250, abortIf },
    );
  }
  return daemon;
}

/**
 * Pure: whether a log (one JSON object per line, or plain text) has an entry with this HTTP
 * status that mentions every given word (user name, fqdn). Key names differ between loggers,
 * so any numeric `status`/`statusCode` at any depth counts.
 */
export function logHasStatus(logText: string, status: number, mentions: readonly string[]): boolean {
  return logText.split("\n").some((line) => {
    if (!mentions.every((word) => line.includes(word))) return false;
    try {
      return hasStatus(JSON.parse(line), status);
    } catch {
      return new RegExp(`\\b${status}\\b`).test(line);
    }
  });
}

function hasStatus(value: unknown, status: number): boolean {
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(
    ([key, inner]) =>
      ((key === "status" || key === "statusCode") && inner === status) || hasStatus(inner, status),
  );
}

/** GET a provider endpoint; the status and the start of the body. */
export async function providerGet(
  setup: ProviderSetup,
  path: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${setup.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}
