/**
 * PostgreSQL stops while the service runs (a private server this test starts and stops): a client
 * the database confirmed recently keeps presenting, one it has not is told the database is
 * unreachable (503, not 401: its password may be right), /readyz says so, and the audit trail
 * holds its entries until the database is back, then writes them. The admin API and pages answer
 * a clear 503 meanwhile, and an admin API token verified recently keeps working like a password.
 */
import { type PrivateCluster, startPrivateCluster } from "@httprequest-lego-provider/test-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../src/admin/page-kit.js";
import { loopbackRequest, runCli } from "../helpers/service-process.js";
import { ALICE, type AuthService, OPS, presentBody, startAuthService } from "./auth-fixture.js";

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
    // The outage is told in the service's JSON log, not as knex's own stack per refused connection.
    expect(s.svc.output()).not.toMatch(/^\W*Acquire connection error/m);
  }, 180_000);

  it("answers the admin API and pages 503, and keeps recently verified tokens working", async () => {
    const json = { "content-type": "application/json" };
    const token = async (who: { username: string; password: string }): Promise<string> => {
      const r = await loopbackRequest(`${s.svc.url}/api/v1/auth/token/`, {
        body: JSON.stringify(who),
        headers: json,
      });
      expect(r.status).toBe(200);
      return (JSON.parse(r.body) as { access: string }).access;
    };
    const bearer = (t: string) => ({ ...json, authorization: `Bearer ${t}` });
    const presentWith = (t: string, value: string) =>
      loopbackRequest(`${s.svc.url}/present`, { headers: bearer(t), body: presentBody(value) });
    const users = (t: string) => loopbackRequest(`${s.svc.url}/api/v1/users/`, { headers: bearer(t) });

    const alice = await token(ALICE);
    expect((await presentWith(alice, "bearer-before")).status).toBe(200);
    // A token served from memory still ends the moment its user's password changes (decision 0702).
    const oldOps = await token(OPS);
    expect((await users(oldOps)).status).toBe(200);
    const newPassword = "ops-new-password-2";
    expect(
      (await runCli(s.fixture.env, "create-superuser", OPS.username, "--password", newPassword)).code,
    ).toBe(0);
    await expect.poll(async () => (await users(oldOps)).status, { timeout: 10_000, interval: 100 }).toBe(401);
    const ops = await token({ username: OPS.username, password: newPassword });
    expect((await users(ops)).status).toBe(200);

    await cluster.pause();
    try {
      // The token's user comes from memory: the challenge path needs no database.
      expect((await presentWith(alice, "bearer-during")).status).toBe(200);
      // A token that is not ours is still refused, database or not.
      const tampered = `${alice.slice(0, -4)}AAAA`;
      expect((await presentWith(tampered, "tampered")).status).toBe(401);
      expect((await users(oldOps)).status).toBe(401);
      // The admin API needs the database: a clear 503, not a 500.
      const listed = await users(ops);
      expect(listed.status).toBe(503);
      expect(JSON.parse(listed.body)).toMatchObject({ error: "database_unavailable" });
      expect(listed.body).toMatch(/unreachable/);
      const basic = await loopbackRequest(`${s.svc.url}/api/v1/users/`, { auth: ALICE });
      expect(basic.status).not.toBe(500);
      // Admin pages read their session from the database: a page saying so, not "something went wrong".
      const page = await loopbackRequest(`${s.svc.url}/admin/users`, {
        headers: { cookie: `${SESSION_COOKIE}=${"a".repeat(43)}` },
      });
      expect(page.status).toBe(503);
      expect(page.body).toMatch(/database is unreachable/);
    } finally {
      await cluster.resume();
    }
    await expect.poll(async () => (await users(ops)).status, { timeout: 30_000, interval: 250 }).toBe(200);
  }, 120_000);
});
