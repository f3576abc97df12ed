import type { DatabaseKind } from "../helpers/databases.js";
import {
  createServiceFixture,
  type LoopbackRequest,
  type LoopbackResponse,
  loopbackRequest,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

/** A lego client ("alice", may manage *.example.test), a staff user ("ops"), the service running. */
export interface AuthService {
  readonly fixture: ServiceFixture;
  readonly svc: ServiceProcess;
  send(path: string, options?: LoopbackRequest): Promise<LoopbackResponse>;
  json(path: string, body: unknown, options?: LoopbackRequest): Promise<LoopbackResponse>;
  dispose(): Promise<void>;
}

export const ALICE = { username: "alice", password: "alice-correct-password-1" };
export const OPS = { username: "ops", password: "ops-correct-password-1" };

export const presentBody = (value: string) =>
  `${JSON.stringify({ fqdn: "_acme-challenge.www.example.test.", value })}\n`;

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  const r = await runCli(env, ...args);
  if (r.code !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
}

export async function startAuthService(
  kind: DatabaseKind,
  env: NodeJS.ProcessEnv = {},
): Promise<AuthService> {
  const fixture = await createServiceFixture(kind, env);
  await cli(fixture.env, "create-user", ALICE.username, "--password", ALICE.password);
  await cli(fixture.env, "allow-domains", ALICE.username, "--subdomains", "example.test");
  await cli(fixture.env, "create-superuser", OPS.username, "--password", OPS.password);
  const svc = await startServiceProcess({ ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" });
  const send = (path: string, options: LoopbackRequest = {}) => loopbackRequest(`${svc.url}${path}`, options);
  return {
    fixture,
    svc,
    send,
    json: (path, body, options = {}) =>
      send(path, {
        ...options,
        method: options.method ?? "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...(options.headers ?? {}) },
      }),
    async dispose() {
      await svc.stop();
      await fixture.dispose();
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
