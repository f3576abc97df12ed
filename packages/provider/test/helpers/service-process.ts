import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "../../src/runtime-flags.js";
import { makeBareRepo } from "../dns/git-fixtures.js";
import { createPostgresDatabase, type DatabaseKind } from "./databases.js";

/**
 * The real service as an operator runs it: the built `dist/cli.js serve` in its own process,
 * configured only through the environment, reached over loopback sockets. Hostile-client tests
 * use this rather than an in-process app so that what they probe is what ships.
 */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

const run = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command (migrate, create-user, allow-domains, ...) with `env`. */
export async function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Everything the process wrote to stdout and stderr so far (banner and JSON log lines). */
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `serve` (extra `args` e.g. "--dev") and resolves once it listens. */
export function startServiceProcess(env: NodeJS.ProcessEnv, ...args: string[]): Promise<ServiceProcess> {
  // With the V8 flags it runs with everywhere it is deployed: memory probes measure what ships.
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, CLI, "serve", ...args], {
    env: { PATH: process.env.PATH, ...SERVICE_ENVIRONMENT, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\d.]+:(\d+))/.exec(out);
      if (m?.[1] && m[2]) {
        const port = Number(m[2]);
        resolve({
          child,
          url: m[1],
          port,
          output: () => out,
          stop: () => stopProcess(child),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  // Already gone (exited, or killed by a test): nothing to wait for.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

export interface LoopbackResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface LoopbackRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Source address of the connection: 127.0.0.2, 127.0.0.3, ... all reach a 127.0.0.1 listener. */
  readonly from?: string;
  readonly auth?: { readonly username: string; readonly password: string };
}

/** One HTTP request over a fresh connection from a chosen loopback source address. */
export function loopbackRequest(url: string, options: LoopbackRequest = {}): Promise<LoopbackResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64");
    headers.authorization = `Basic ${token}`;
  }
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export interface ServiceFixture {
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  /** file:// URL of the bare DNS repository (zones example.test and example.org). */
  readonly repo: string;
  readonly repoDir: string;
  dispose(): Promise<void>;
}

/**
 * A fresh environment for the service on `kind` (a new PostgreSQL database, or PGlite in the data
 * directory), a bare DNS repository with zones, and a migrated schema. `extraEnv` is merged in.
 */
export async function createServiceFixture(
  kind: DatabaseKind,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ServiceFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), "hlp-svc-"));
  const dataDir = path.join(root, "data");
  const repoDir = await makeBareRepo(root, ["example.test", "example.org"]);
  const pg = kind === "postgresql" ? await createPostgresDatabase() : undefined;
  const env: NodeJS.ProcessEnv = {
    APP_DATA_DIR: dataDir,
    APP_GIT_REPO: `file://${repoDir}@main`,
    APP_SECRET_KEY: "test-secret-key-0123456789abcdef",
    APP_LOG_LEVEL: "info",
    ...(pg ? { POSTGRESQL_DB_CONNECT_STRING: pg.url } : {}),
    ...extraEnv,
  };
  const migrated = await runCli(env, "migrate");
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  return {
    env,
    dataDir,
    repo: `file://${repoDir}@main`,
    repoDir,
    async dispose() {
      await pg?.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
