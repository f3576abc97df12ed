import { connect } from "node:net";
import type { DatabaseKind } from "../helpers/databases.js";
import {
  createServiceFixture,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

/** Credentials of the accounts every http-* security test starts with. */
export const USER = { username: "alice", password: "alice-Pa55word-7f3e9c" };
export const ADMIN = { username: "root", password: "root-Pa55word-b81d02" };

export interface RunningFixture {
  readonly fixture: ServiceFixture;
  readonly svc: ServiceProcess;
  dispose(): Promise<void>;
}

/** Starting a service on PGlite takes tens of seconds on a loaded machine. */
export const START_TIMEOUT_MS = 240_000;

/** A migrated fixture with USER (may manage *.example.test) and ADMIN, and the service running. */
export async function startService(
  kind: DatabaseKind,
  env: NodeJS.ProcessEnv = {},
  ...args: string[]
): Promise<RunningFixture> {
  const fixture = await createServiceFixture(kind, env);
  // Service first: with PGlite the commands below then reach its database over the socket
  // instead of each starting the embedded database again.
  const svc = await startServiceProcess({ ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" }, ...args);
  for (const [cmd, who] of [
    ["create-user", USER],
    ["create-superuser", ADMIN],
  ] as const) {
    const r = await runCli(fixture.env, cmd, who.username, "--password", who.password);
    if (r.code !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  }
  const grant = await runCli(fixture.env, "allow-domains", USER.username, "--subdomains", "example.test");
  if (grant.code !== 0) throw new Error(`allow-domains failed: ${grant.stderr}`);
  return {
    fixture,
    svc,
    async dispose() {
      await svc.stop();
      await fixture.dispose();
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly text: string;
  /** The body after the header block (chunked framing left in place). */
  readonly body: string;
}

/**
 * Sends `request` byte for byte over a fresh socket from `from` and reads until the server closes
 * or `closeAfterMs` passes: for input an HTTP client library would refuse or normalise.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  options: { from?: string; closeAfterMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress: options.from ?? "127.0.0.2" });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf("\r\n\r\n");
      resolve({ status, text, body: split < 0 ? "" : text.slice(split + 4) });
    };
    const timer = setTimeout(() => socket.destroy(), options.closeAfterMs ?? 10_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", done);
    socket.on("error", reject);
    socket.write(request);
  });
}

/** A complete HTTP/1.1 request with Connection: close and a correct Content-Length. */
export function httpMessage(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer = "",
): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${bytes.length}`, "", "");
  return Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), bytes]);
}

export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
