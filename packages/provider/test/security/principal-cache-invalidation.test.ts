/**
 * Users and grants are served from the service's memory; every writer of the database must still
 * take effect at once: the CLI (on the embedded database, through the running service's socket),
 * the admin API, a second service process on the same PostgreSQL, and plain SQL as the Django app
 * would write it. Each case warms the cache first, then changes the user and expects the very
 * next request to see the change.
 */
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { embeddedSocketDir } from "../../src/db/embedded-socket-dir.js";
import type { DatabaseKind } from "../helpers/databases.js";
import {
  loopbackRequest,
  runCli,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";
import { ALICE, type AuthService, OPS, presentBody, startAuthService } from "./auth-fixture.js";

const JSON_HEADERS = { "content-type": "application/json" };

async function present(svc: { url: string }, auth = ALICE): Promise<number> {
  const r = await loopbackRequest(`${svc.url}/present`, {
    headers: JSON_HEADERS,
    body: presentBody(`v-${Date.now()}`),
    auth,
  });
  return r.status;
}

async function cachedLookups(svc: { url: string }): Promise<number> {
  const metrics = (await loopbackRequest(`${svc.url}/metrics`)).body;
  const m = /^hlp_principal_lookups_total\{source="cached"\} (\d+)/m.exec(metrics);
  return Number(m?.[1] ?? 0);
}

/** Warms the cache and proves the next request is answered from it. */
async function warm(svc: { url: string }, auth = ALICE): Promise<void> {
  expect(await present(svc, auth)).toBe(200);
  const before = await cachedLookups(svc);
  expect(await present(svc, auth)).toBe(200);
  expect(await cachedLookups(svc)).toBeGreaterThan(before);
}

/**
 * PostgreSQL delivers a notification to the listening connection just after the writer's commit;
 * PGlite announces it in the commit itself. Either way the change lands within moments.
 */
async function expectSoon(check: () => Promise<number>, status: number): Promise<void> {
  await expect.poll(check, { timeout: 3_000, interval: 25 }).toBe(status);
}

function sqlClient(s: AuthService): pg.Client {
  const url = s.fixture.env.POSTGRESQL_DB_CONNECT_STRING;
  if (url) return new pg.Client({ connectionString: url });
  return new pg.Client({
    host: embeddedSocketDir(s.fixture.dataDir),
    port: 5432,
    user: "postgres",
    database: "postgres",
  });
}

describe.each(["pglite", "postgresql"] as DatabaseKind[])("cached principals on %s", (kind) => {
  let s: AuthService | undefined;
  let second: ServiceProcess | undefined;
  afterEach(async () => {
    await second?.stop();
    second = undefined;
    await s?.dispose();
    s = undefined;
  });

  it("the CLI's revoke, grant and password change take effect on the very next request", async () => {
    s = await startAuthService(kind);
    const svc = s.svc;
    await warm(svc);
    const cli = (...args: string[]) => runCli(s?.fixture.env ?? {}, ...args);
    expect((await cli("revoke-domains", ALICE.username, "--subdomains", "example.test")).code).toBe(0);
    if (kind === "pglite") expect(await present(svc)).toBe(403);
    await expectSoon(() => present(svc), 403);
    expect((await cli("allow-domains", ALICE.username, "--subdomains", "example.test")).code).toBe(0);
    await expectSoon(() => present(svc), 200);
    const changed = { username: ALICE.username, password: "alice-new-password-2" };
    expect((await cli("create-user", ALICE.username, "--password", changed.password)).code).toBe(0);
    if (kind === "pglite") expect(await present(svc)).toBe(401);
    await expectSoon(() => present(svc), 401);
    expect(await present(svc, changed)).toBe(200);
  });

  it("the admin API's revoke and deactivation take effect on the very next request", async () => {
    s = await startAuthService(kind);
    const svc = s.svc;
    await warm(svc);
    const admin = (method: string, path: string, body?: unknown) =>
      loopbackRequest(`${svc.url}/api/v1${path}`, {
        method,
        headers: JSON_HEADERS,
        auth: OPS,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const grants = JSON.parse((await admin("GET", "/domain-user-permissions/?username=alice")).body) as {
      id: number;
    }[];
    expect(grants).toHaveLength(1);
    expect((await admin("DELETE", `/domain-user-permissions/${grants[0]?.id}/`)).status).toBe(204);
    await expectSoon(() => present(svc), 403);
    const users = JSON.parse((await admin("GET", "/users/?username=alice")).body) as { id: number }[];
    expect((await admin("PATCH", `/users/${users[0]?.id}/`, { is_active: false })).status).toBe(200);
    await expectSoon(() => present(svc), 401);
  });

  it("plain SQL, as the Django app writes, takes effect on the very next request", async () => {
    s = await startAuthService(kind);
    const svc = s.svc;
    await warm(svc);
    const sql = sqlClient(s);
    await sql.connect();
    try {
      await sql.query(
        "DELETE FROM api_domainuserpermission WHERE user_id = (SELECT id FROM auth_user WHERE username = $1)",
        [ALICE.username],
      );
      if (kind === "pglite") expect(await present(svc)).toBe(403);
      await expectSoon(() => present(svc), 403);
      await sql.query("UPDATE auth_user SET username = 'alice-renamed' WHERE username = $1", [
        ALICE.username,
      ]);
      await expectSoon(() => present(svc), 401);
    } finally {
      await sql.end();
    }
  });

  it.runIf(kind === "postgresql")(
    "a change made through a second process takes effect in the first at once",
    async () => {
      s = await startAuthService(kind);
      const svc = s.svc;
      second = await startServiceProcess({
        ...s.fixture.env,
        APP_DATA_DIR: join(s.fixture.dataDir, "..", "second"),
        APP_HOST: "127.0.0.1",
        APP_PORT: "0",
      });
      await warm(svc);
      const revoke = await loopbackRequest(`${second.url}/api/v1/domain-user-permissions/?username=alice`, {
        auth: OPS,
      });
      const [grant] = JSON.parse(revoke.body) as { id: number }[];
      const deleted = await loopbackRequest(`${second.url}/api/v1/domain-user-permissions/${grant?.id}/`, {
        method: "DELETE",
        auth: OPS,
      });
      expect(deleted.status).toBe(204);
      await expectSoon(() => present(svc), 403);
    },
  );
});
