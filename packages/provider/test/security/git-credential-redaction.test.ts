/**
 * A token in APP_GIT_REPO (`https://TOKEN@host/...`, as GitHub and GitLab tokens are used) must
 * never leave the process: not on the unauthenticated /readyz, not in the error bodies ACME
 * clients copy into their own logs, not in the service's log. The remote is a closed loopback
 * port, so every git command fails and prints the URL it was given.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createServiceFixture,
  loopbackRequest,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

const TOKEN = "ghp_Zq81SecretToken0123456789abcdef";
/** Percent-encoded in the URL; git may print either spelling. */
const ENCODED_PASSWORD = "p%40ss-Secret-42";
const DECODED_PASSWORD = "p@ss-Secret-42";

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each([
  [
    "a token as the whole userinfo",
    (port: number) => `https://${TOKEN}@127.0.0.1:${port}/org/dns.git@main`,
    [TOKEN],
  ],
  [
    "a percent-encoded password",
    (port: number) => `https://bot:${ENCODED_PASSWORD}@127.0.0.1:${port}/org/dns.git@main`,
    [ENCODED_PASSWORD, DECODED_PASSWORD],
  ],
])("the service with %s in APP_GIT_REPO", (_what, repoFor, secrets) => {
  let fixture: ServiceFixture;
  let svc: ServiceProcess;
  const auth = { username: "acme", password: "acme-password-123" };

  beforeAll(async () => {
    // debug: every log line the service can write is searched for the secret.
    fixture = await createServiceFixture("postgresql", {
      APP_GIT_REPO: repoFor(await closedPort()),
      APP_LOG_LEVEL: "debug",
    });
    expect((await runCli(fixture.env, "create-user", auth.username, "--password", auth.password)).code).toBe(
      0,
    );
    expect(
      (await runCli(fixture.env, "allow-domains", auth.username, "--subdomains", "example.test")).code,
    ).toBe(0);
    svc = await startServiceProcess({ ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" });
  });
  afterAll(async () => {
    await svc?.stop();
    await fixture?.dispose();
  });

  function expectNoSecret(text: string): void {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it("/readyz names the failed check and nothing else", async () => {
    const r = await loopbackRequest(`${svc.url}/readyz`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({
      status: "unavailable",
      checks: { database: "ok", git: "unreachable" },
    });
  });

  it("/present answers 503 with a redacted message an operator can act on", async () => {
    const r = await loopbackRequest(`${svc.url}/present`, {
      auth,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fqdn: "_acme-challenge.www.example.test.", value: "v1" }),
    });
    expect(r.status).toBe(503);
    expectNoSecret(r.body);
    const body = JSON.parse(r.body) as { error: string; message: string };
    expect(body.error).toBe("dns_backend_unavailable");
    expect(body.message).toContain("https://***@127.0.0.1:");
  });

  it("/cleanup and a second /readyz do not leak either, and neither does the whole log", async () => {
    const r = await loopbackRequest(`${svc.url}/cleanup`, {
      auth,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fqdn: "_acme-challenge.www.example.test.", value: "v1" }),
    });
    expect(r.status).toBeGreaterThanOrEqual(500);
    expectNoSecret(r.body);
    expectNoSecret((await loopbackRequest(`${svc.url}/readyz`)).body);
    const log = svc.output();
    // The failures were logged, with the URL redacted.
    expect(log).toContain("https://***@127.0.0.1:");
    expect(log).toMatch(/DNS repository unavailable/);
    expectNoSecret(log);
  });
});
