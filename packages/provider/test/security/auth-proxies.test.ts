import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAIR_FREE_FAILURES } from "../../src/auth/login-rate-limiter.js";
import {
  loopbackRequest,
  runCli,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";
import { ALICE, type AuthService, presentBody, startAuthService } from "./auth-fixture.js";

/** Client addresses of the request log lines the service wrote for /present. */
function loggedClients(svc: ServiceProcess): string[] {
  return svc
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"path":"/present"'))
    .map((l) => (JSON.parse(l) as { client: string }).client);
}

/**
 * X-Forwarded-For is believed only from APP_TRUSTED_PROXIES: with none set, a client cannot
 * rotate it to reset its limit or to forge the address the logs and audit trail record.
 */
describe("trusted proxies against the running service", () => {
  let s: AuthService;
  let proxied: ServiceProcess;
  beforeAll(async () => {
    s = await startAuthService("postgresql");
    // A second service on the same database, behind an "ingress" at 127.0.0.1.
    proxied = await startServiceProcess({
      ...s.fixture.env,
      APP_HOST: "127.0.0.1",
      APP_PORT: "0",
      APP_TRUSTED_PROXIES: "127.0.0.1, ::1/128",
    });
  }, 300_000);
  afterAll(async () => {
    await proxied?.stop();
    await s?.dispose();
  });

  const fetchPresent = async (url: string, from: string, password: string, xff?: string) => {
    return loopbackRequest(`${url}/present`, {
      from,
      auth: { username: ALICE.username, password },
      body: presentBody("v"),
      ...(xff ? { headers: { "x-forwarded-for": xff } } : {}),
    });
  };

  it("by default, a rotating X-Forwarded-For neither resets the limit nor reaches the logs", async () => {
    const from = "127.0.0.40";
    for (let i = 0; i < PAIR_FREE_FAILURES; i++)
      expect((await fetchPresent(s.svc.url, from, `wrong-${i}`, `203.0.113.${i}`)).status).toBe(401);
    expect((await fetchPresent(s.svc.url, from, "wrong-again", "203.0.113.99")).status).toBe(429);
    // Log lines are written after the response: wait for all of them.
    await expect.poll(() => loggedClients(s.svc).length, { timeout: 5000 }).toBe(PAIR_FREE_FAILURES + 1);
    expect(new Set(loggedClients(s.svc))).toEqual(new Set([from]));
  });

  it("behind a listed proxy, the forwarded address is the client's", async () => {
    const url = proxied.url;
    for (let i = 0; i < PAIR_FREE_FAILURES; i++)
      expect((await fetchPresent(url, "127.0.0.1", `wrong-${i}`, "198.51.100.1")).status).toBe(401);
    expect((await fetchPresent(url, "127.0.0.1", ALICE.password, "198.51.100.1")).status).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await fetchPresent(url, "127.0.0.1", ALICE.password, "198.51.100.2")).status).toBe(200);
    // A peer that is not a listed proxy cannot claim an address.
    expect((await fetchPresent(url, "127.0.0.41", ALICE.password, "198.51.100.3")).status).toBe(200);
    await expect.poll(() => loggedClients(proxied).length, { timeout: 5000 }).toBe(PAIR_FREE_FAILURES + 3);
    const clients = loggedClients(proxied);
    expect(clients).toContain("198.51.100.1");
    expect(clients).toContain("198.51.100.2");
    expect(clients).toContain("127.0.0.41");
    expect(clients).not.toContain("198.51.100.3");
  });

  it("refuses to start with an entry that is not an address or CIDR, naming the variable", async () => {
    const r = await runCli({ ...s.fixture.env, APP_TRUSTED_PROXIES: "10.0.0.0/8, ingress.local" }, "serve");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("APP_TRUSTED_PROXIES");
    expect(r.stderr).toContain('"ingress.local"');
  });
});
