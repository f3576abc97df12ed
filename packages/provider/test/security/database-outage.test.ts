/**
 * PostgreSQL stops while the service runs (a private server this test starts and stops): a client
 * the database confirmed recently keeps presenting, one it has not is told the database is
 * unreachable (503, not 401: its password may be right), /readyz says so, and the audit trail
 * holds its entries until the database is back, then writes them.
 */
import { type PrivateCluster, startPrivateCluster } from "@httprequest-lego-provider/test-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackRequest, runCli } from "../helpers/service-process.js";
import { ALICE, type AuthService, presentBody, startAuthService } from "./auth-fixture.js";

const BOB = { username: "bob", password: "bob-correct-password-1" };

let cluster: PrivateCluster;
let s: AuthService;

const present = (auth: { username: string; password: string }, value: string) =>
  loopbackRequest(`${s.svc.url}/present`, {
    headers: { "content-type": "application/json" },
    body: presentBody(value),
    auth,
  });

async function metric(name: string): Promise<number> {
  const body = (await loopbackRequest(`${s.svc.url}/metrics`)).body;
  const m = new RegExp(`^${name} (\\d+)`, "m").exec(body);
  return Number(m?.[1] ?? 0);
}

async function auditedValues(): Promise<string[]> {
  const c = new pg.Client({ connectionString: cluster.adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ detail: string | null; fqdn: string | null; actor: string | null }>(
      "SELECT detail, fqdn, actor FROM hlp_audit_log WHERE kind = 'challenge' AND actor = $1",
      [ALICE.username],
    );
    return r.rows.map((row) => `${row.actor} ${row.fqdn}`);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  cluster = await startPrivateCluster();
  // The fixture's own database kind is overridden: the service uses the private server.
  s = await startAuthService("pglite", { POSTGRESQL_DB_CONNECT_STRING: cluster.adminUrl });
  const created = await runCli(s.fixture.env, "create-user", BOB.username, "--password", BOB.password);
  expect(created.code).toBe(0);
  expect(
    (await runCli(s.fixture.env, "allow-domains", BOB.username, "--subdomains", "example.test")).code,
  ).toBe(0);
}, 180_000);

afterAll(async () => {
  await s?.dispose();
  await cluster?.stop();
});

describe("a PostgreSQL outage", () => {
  it("keeps recently confirmed clients working, answers others 503, and loses no audit entry", async () => {
    expect((await present(ALICE, "before-outage")).status).toBe(200);
    await expect.poll(() => metric("hlp_audit_pending"), { timeout: 10_000 }).toBe(0);
    const auditedBefore = (await auditedValues()).length;

    await cluster.pause();
    const during = await present(ALICE, "during-outage");
    expect(during.status).toBe(200);
    // A wrong password for a remembered name gets the same 503: the answer tells no name apart.
    const wrong = await present({ username: ALICE.username, password: "not-alice-password" }, "wrong");
    expect(wrong.status).toBe(503);
    const unknown = await present(BOB, "never-confirmed");
    expect(unknown.status).toBe(503);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: "database_unavailable" });
    expect(unknown.body).toMatch(/unreachable/);
    const ready = await loopbackRequest(`${s.svc.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ checks: { database: "unreachable", git: "ok" } });
    // The audit writer holds the entry rather than dropping it.
    expect(await metric("hlp_audit_pending")).toBeGreaterThan(0);
    expect(await metric("hlp_audit_dropped_total")).toBe(0);

    await cluster.resume();
    await expect
      .poll(async () => (await loopbackRequest(`${s.svc.url}/readyz`)).status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(200);
    expect((await present(BOB, "after-outage")).status).toBe(200);
    // Retries back off up to 30 s: the held entries are written once the database answers again.
    await expect.poll(() => metric("hlp_audit_pending"), { timeout: 45_000, interval: 500 }).toBe(0);
    // The present during the outage and the refused wrong password, both attributed to alice.
    expect((await auditedValues()).length).toBe(auditedBefore + 2);
    expect(await metric("hlp_audit_dropped_total")).toBe(0);
  }, 180_000);
});
