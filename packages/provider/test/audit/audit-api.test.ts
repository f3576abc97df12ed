import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminHarness, PLAIN, STAFF, startAdminHarness } from "../admin/harness.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { basic } from "../helpers/server.js";

interface AuditPageJson {
  count: number;
  next: string | null;
  previous: string | null;
  results: Record<string, unknown>[];
}

describe.each(DATABASE_KINDS)("audit trail and /api/v1/audit/ on %s", (kind) => {
  let h: AdminHarness;
  const staff = basic(STAFF.username, STAFF.password);

  async function challenge(
    action: "present" | "cleanup",
    fqdn: string,
    auth: string,
    value = "token-value-1",
  ) {
    const res = await fetch(`${h.url}/${action}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ fqdn, value }),
    });
    return res.status;
  }

  async function api(method: string, path: string, body?: unknown, auth = staff) {
    const res = await fetch(`${h.url}/api/v1${path}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as unknown };
  }

  const audit = async (query: string) => {
    const r = await api("GET", `/audit/?${query}`);
    expect(r.status).toBe(200);
    return r.body as AuditPageJson;
  };

  beforeAll(async () => {
    h = await startAdminHarness(kind);
    await h.accounts.allowDomains(PLAIN.username, { domains: [], subdomains: ["example.com"] });
    const plain = basic(PLAIN.username, PLAIN.password);
    expect(await challenge("present", "_acme-challenge.www.example.com.", plain)).toBe(200);
    expect(await challenge("present", "_acme-challenge.api.example.com", plain)).toBe(200);
    expect(await challenge("cleanup", "_acme-challenge.www.example.com", plain)).toBe(200);
    expect(await challenge("present", "_acme-challenge.example.org", plain)).toBe(403);
    expect(await challenge("present", "_acme-challenge.www.example.com", basic("plain", "wrong"))).toBe(401);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("records every /present and /cleanup with user, fqdn, action, outcome, status, commit and duration", async () => {
    const page = await audit("kind=challenge");
    expect(page.count).toBe(5);
    const [unauth, denied, cleanup, present2, present1] = page.results;
    expect(present1).toMatchObject({
      kind: "challenge",
      actor: "plain",
      action: "present",
      fqdn: "_acme-challenge.www.example.com",
      outcome: "ok",
      status: 200,
      commit_id: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(present1?.duration_ms).toEqual(expect.any(Number));
    expect(Date.parse(String(present1?.occurred_at))).toBeLessThanOrEqual(Date.now());
    expect(present2).toMatchObject({ fqdn: "_acme-challenge.api.example.com", outcome: "ok" });
    expect(cleanup).toMatchObject({ action: "cleanup", outcome: "ok", commit_id: expect.any(String) });
    expect(denied).toMatchObject({
      actor: "plain",
      fqdn: "_acme-challenge.example.org",
      outcome: "denied",
      status: 403,
      commit_id: null,
      detail: "The user plain does not have permission to manage _acme-challenge.example.org",
    });
    // A refused login is recorded under the name it claimed (outcome "unauthenticated" says the
    // name was never proven), with the client address and how many such attempts it stands for.
    expect(unauth).toMatchObject({ actor: "plain", outcome: "unauthenticated", status: 401, count: 1 });
    expect(unauth?.client).toEqual(expect.any(String));
    expect(JSON.stringify(page)).not.toContain("wrong");
  });

  it("filters by user, by domain (and every name below it), by action and by outcome", async () => {
    expect((await audit("kind=challenge&user=plain")).count).toBe(5);
    expect((await audit("kind=challenge&user=nobody")).count).toBe(0);
    const byDomain = await audit("kind=challenge&fqdn=www.example.com.");
    expect(byDomain.results.map((r) => r.action)).toEqual(["cleanup", "present"]);
    expect((await audit("kind=challenge&fqdn=example.com")).count).toBe(3);
    // Only whole labels match: "ample.com" is not a parent of example.com.
    expect((await audit("kind=challenge&fqdn=ample.com")).count).toBe(0);
    expect((await audit("kind=challenge&action=cleanup")).count).toBe(1);
    expect((await audit("kind=challenge&outcome=denied")).results[0]?.fqdn).toBe(
      "_acme-challenge.example.org",
    );
    expect((await audit("kind=challenge&user=plain&action=present&outcome=ok")).count).toBe(2);
  });

  it("pages newest first in the REST framework's shape", async () => {
    const first = await audit("kind=challenge&page_size=2");
    expect(first.count).toBe(5);
    expect(first.results).toHaveLength(2);
    expect(first.previous).toBeNull();
    expect(first.next).toContain("page=2");
    expect(first.next).toContain("kind=challenge");
    const second = (
      await api(
        "GET",
        new URL(first.next ?? "").pathname.replace("/api/v1", "") + new URL(first.next ?? "").search,
      )
    ).body as AuditPageJson;
    expect(second.results).toHaveLength(2);
    expect(second.previous).toContain("page=1");
    const third = await audit("kind=challenge&page_size=2&page=3");
    expect(third.results).toHaveLength(1);
    expect(third.next).toBeNull();
    const ids = [...first.results, ...second.results, ...third.results].map((r) => Number(r.id));
    expect(new Set(ids).size).toBe(5);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("rejects bad parameters with a message naming the parameter", async () => {
    expect(await api("GET", "/audit/?page_size=501")).toMatchObject({
      status: 400,
      body: { field: "page_size" },
    });
    expect(await api("GET", "/audit/?page=0")).toMatchObject({ status: 400, body: { field: "page" } });
    expect(await api("GET", "/audit/?kind=other")).toMatchObject({ status: 400, body: { field: "kind" } });
    expect(await api("GET", "/audit/?since=yesterday")).toMatchObject({
      status: 400,
      body: { field: "since" },
    });
  });

  it("is read-only and for staff only", async () => {
    expect((await api("POST", "/audit/", { action: "present" })).status).toBe(405);
    expect((await api("DELETE", "/audit/")).status).toBe(405);
    expect((await api("GET", "/audit/", undefined, basic(PLAIN.username, PLAIN.password))).status).toBe(403);
    expect((await fetch(`${h.url}/api/v1/audit/`)).status).toBe(401);
  });

  it("records admin API changes with who, what and when, never a password", async () => {
    const before = Date.now();
    const created = await api("POST", "/users/", { username: "dave", password: "dave-secret-pw" });
    expect(created.status).toBe(201);
    const userId = (created.body as { id: number }).id;
    const domain = await api("POST", "/domains/", { fqdn: "dave.example.com" });
    const domainId = (domain.body as { id: number }).id;
    const grant = await api("POST", "/domain-user-permissions/", {
      user: userId,
      domain: domainId,
      access_level: "domain",
    });
    expect(grant.status).toBe(201);
    expect((await api("PATCH", `/users/${userId}/`, { password: "another-secret" })).status).toBe(200);
    expect(
      (await api("DELETE", `/domain-user-permissions/${(grant.body as { id: number }).id}/`)).status,
    ).toBe(204);
    expect((await api("DELETE", `/users/${userId}/`)).status).toBe(204);
    // A refused change changes nothing and is not recorded.
    expect((await api("POST", "/users/", { username: "bad name", password: "x" })).status).toBe(400);

    const page = await audit("kind=admin&user=dave");
    const rows = page.results.reverse();
    expect(rows.map((r) => r.action)).toEqual([
      "user.create",
      "grant.create",
      "user.update",
      "grant.delete",
      "user.delete",
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({
        kind: "admin",
        source: "admin-api",
        actor: "admin",
        target: "dave",
        outcome: "ok",
      });
      expect(Date.parse(String(r.occurred_at))).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(rows[1]?.detail).toBe(
      "create domain grant on dave.example.com for dave (user=" +
        userId +
        ", domain=" +
        domainId +
        ", access_level=domain)",
    );
    expect(rows[2]?.detail).toBe("update user dave (password changed)");
    expect(rows[4]?.detail).toBe("delete user dave");
    const domainRows = await audit("kind=admin&fqdn=dave.example.com");
    expect(domainRows.results.map((r) => r.action).sort()).toEqual([
      "domain.create",
      "grant.create",
      "grant.delete",
    ]);
    expect(JSON.stringify(await audit("kind=admin&page_size=500"))).not.toMatch(
      /dave-secret-pw|another-secret/,
    );
  });
});
