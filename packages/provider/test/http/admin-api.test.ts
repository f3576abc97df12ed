import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { migrate } from "../../src/db/migrations.js";
import { MemoryRecordStore } from "../../src/dns/memory-record-store.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";
import { basic, startTestServer, type TestServer } from "../helpers/server.js";

describe.each(DATABASE_KINDS)("admin API and tokens on %s", (kind) => {
  let t: TestDatabase;
  let server: TestServer;
  const admin = basic("admin", "admin-password");

  async function call(method: string, path: string, body?: unknown, auth = admin) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: auth, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, text };
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await migrate(t.db.knex);
    const accounts = new Accounts(t.db.knex);
    await accounts.createOrUpdateUser("admin", { password: "admin-password", staff: true });
    await accounts.createOrUpdateUser("plain", { password: "plain-password" });
    server = await startTestServer(t.db, new MemoryRecordStore(["example.com"]));
  });
  afterAll(async () => {
    await server?.close();
    await t?.dispose();
  });

  it("is refused to non-staff users with 403 and to anonymous callers with 401", async () => {
    expect((await call("GET", "/users/", undefined, basic("plain", "plain-password"))).status).toBe(403);
    const anon = await fetch(`${server.url}/api/v1/users/`);
    expect(anon.status).toBe(401);
  });

  it("manages users; passwords are write-only and hashed the Django way", async () => {
    const created = await call("POST", "/users/", {
      username: "carol",
      password: "carol-pw",
      email: "c@example.com",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: "carol", email: "c@example.com", is_staff: false });
    expect(created.text).not.toContain("password");
    const id = (created.body as { id: number }).id;
    const list = await call("GET", "/users/?username=carol");
    expect(list.body).toEqual([created.body]);
    expect((await call("POST", "/users/", { username: "carol", password: "x" })).status).toBe(400);
    expect((await call("POST", "/users/", { username: "bad name", password: "x" })).body).toMatchObject({
      field: "username",
    });
    const patched = await call("PATCH", `/users/${id}/`, { password: "carol-new" });
    expect(patched.status).toBe(200);
    const stored = await t.db.knex("auth_user").where({ id }).first<{ password: string }>();
    expect(stored.password).toMatch(/^pbkdf2_sha256\$/);
    expect((await call("DELETE", `/users/${id}/`)).status).toBe(204);
    expect((await call("GET", `/users/${id}/`)).status).toBe(404);
  });

  it("manages domains and grants with DRF-shaped bodies and filters", async () => {
    const d = await call("POST", "/domains/", { fqdn: "Example.com" });
    expect(d.status).toBe(201);
    expect(d.body).toEqual({ id: expect.any(Number), fqdn: "example.com" });
    expect((await call("POST", "/domains/", { fqdn: "example.com" })).status).toBe(400);
    expect((await call("POST", "/domains/", { fqdn: "bad_domain.com" })).body).toMatchObject({
      field: "fqdn",
    });
    const plain = (await call("GET", "/users/?username=plain")).body as { id: number }[];
    const domainId = (d.body as { id: number }).id;
    const userId = plain[0]?.id;
    const p = await call("POST", "/domain-user-permissions/", {
      domain: domainId,
      user: userId,
      access_level: "subdomain",
    });
    expect(p.status).toBe(201);
    expect(p.body).toEqual({
      id: expect.any(Number),
      domain: domainId,
      user: userId,
      access_level: "subdomain",
      text: null,
    });
    const dup = await call("POST", "/domain-user-permissions/", {
      domain: domainId,
      user: userId,
      access_level: "subdomain",
    });
    expect(dup.status).toBe(400);
    expect(
      (
        await call("POST", "/domain-user-permissions/", {
          domain: 99999,
          user: userId,
          access_level: "domain",
        })
      ).body,
    ).toMatchObject({
      field: "domain",
    });
    expect((await call("GET", "/domain-user-permissions/?username=plain&fqdn=example.com")).body).toEqual([
      p.body,
    ]);
    expect((await call("GET", "/domain-user-permissions/?username=admin")).body).toEqual([]);
    // The grant takes effect on the challenge API at once.
    const present = await fetch(`${server.url}/present`, {
      method: "POST",
      headers: { authorization: basic("plain", "plain-password") },
      body: JSON.stringify({ fqdn: "_acme-challenge.www.example.com.", value: "abc" }),
    });
    expect(present.status).toBe(200);
    const pid = (p.body as { id: number }).id;
    expect((await call("DELETE", `/domain-user-permissions/${pid}/`)).status).toBe(204);
    expect((await call("GET", `/domain-user-permissions/${pid}/`)).status).toBe(404);
  });

  it("issues JWTs (access + refresh), accepts Bearer, and rotates on refresh", async () => {
    const tok = await fetch(`${server.url}/api/v1/auth/token/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin-password" }),
    });
    expect(tok.status).toBe(200);
    const pair = (await tok.json()) as { access: string; refresh: string };
    expect(pair.access.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(pair.access.split(".")[1] ?? "", "base64url").toString()) as Record<
      string,
      number | string
    >;
    expect(claims.token_type).toBe("access");
    expect(Number(claims.exp) - Number(claims.iat)).toBe(24 * 3600);
    expect((await call("GET", "/users/", undefined, `Bearer ${pair.access}`)).status).toBe(200);
    // A refresh token is not an access token.
    expect((await call("GET", "/users/", undefined, `Bearer ${pair.refresh}`)).status).toBe(401);
    const refreshed = await fetch(`${server.url}/api/v1/auth/token/refresh/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: pair.refresh }),
    });
    const next = (await refreshed.json()) as { access: string; refresh: string };
    expect(next.refresh).not.toBe(pair.refresh);
    expect((await call("GET", "/users/", undefined, `Bearer ${next.access}`)).status).toBe(200);
    const bad = await fetch(`${server.url}/api/v1/auth/token/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "wrong" }),
    });
    expect(bad.status).toBe(401);
  });
});
