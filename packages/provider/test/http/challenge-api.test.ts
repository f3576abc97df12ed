import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { PAIR_FREE_FAILURES } from "../../src/auth/login-rate-limiter.js";
import { migrate } from "../../src/db/migrations.js";
import { MemoryRecordStore } from "../../src/dns/memory-record-store.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";
import { basic, startTestServer, type TestServer } from "../helpers/server.js";

const V1 = "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM";
const V2 = "Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo";

describe.each(DATABASE_KINDS)("challenge API over HTTP on %s", (kind) => {
  let t: TestDatabase;
  let store: MemoryRecordStore;
  let server: TestServer;
  const lego = basic("lego", "lego-password");

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", authorization: lego, ...headers },
      body,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  // What lego's json.Encoder sends: compact JSON plus a newline.
  const legoBody = (fqdn: string, value: string) => `${JSON.stringify({ fqdn, value })}\n`;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await migrate(t.db.knex);
    const accounts = new Accounts(t.db.knex);
    await accounts.createOrUpdateUser("lego", { password: "lego-password" });
    await accounts.allowDomains("lego", { domains: ["example.com"], subdomains: ["example.org"] });
    await accounts.createOrUpdateUser("other", { password: "other-password" });
    store = new MemoryRecordStore(["example.com", "example.org", "example.co.uk"]);
    server = await startTestServer(t.db, store);
  });
  afterAll(async () => {
    await server?.close();
    await t?.dispose();
  });

  it("answers lego's default request with 200 and the JSON echo acme.sh looks for", async () => {
    const r = await post("/present", legoBody("_acme-challenge.example.com.", V1), {
      Accept: "application/json",
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ fqdn: "_acme-challenge.example.com", value: V1 });
    expect(r.text).toContain(`"${V1}"`);
    expect([...(store.records.get("_acme-challenge.example.com") ?? [])]).toEqual([V1]);
  });

  it("keeps two values on one name (example.com + *.example.com), then cleans up one at a time", async () => {
    expect((await post("/present", legoBody("_acme-challenge.example.com.", V2))).status).toBe(200);
    expect([...(store.records.get("_acme-challenge.example.com") ?? [])].sort()).toEqual([V1, V2].sort());
    expect((await post("/cleanup", legoBody("_acme-challenge.example.com.", V1))).status).toBe(200);
    expect([...(store.records.get("_acme-challenge.example.com") ?? [])]).toEqual([V2]);
    // Idempotent: cleaning up a value that is gone still succeeds (lego cleans up after failures too).
    expect((await post("/cleanup", legoBody("_acme-challenge.example.com.", V1))).status).toBe(200);
    expect((await post("/cleanup", legoBody("_acme-challenge.example.com.", V2))).status).toBe(200);
    expect(store.records.has("_acme-challenge.example.com")).toBe(false);
  });

  it("accepts form-encoded bodies, no trailing dot, and acme.sh's //present", async () => {
    const form = new URLSearchParams({ fqdn: "_acme-challenge.a.example.org", value: V1 }).toString();
    const r = await post("//present", form, { "Content-Type": "application/x-www-form-urlencoded" });
    expect(r.status).toBe(200);
    expect(store.records.get("_acme-challenge.a.example.org")?.has(V1)).toBe(true);
  });

  it("accepts JSON that curl -d labels as form data", async () => {
    const r = await post("/present", legoBody("_acme-challenge.b.example.org.", V2), {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(r.status).toBe(200);
    expect(store.records.get("_acme-challenge.b.example.org")?.has(V2)).toBe(true);
  });

  it("accepts lego RAW mode and stores base64url(sha256(keyAuth))", async () => {
    const r = await post(
      "/present",
      `${JSON.stringify({ domain: "www.example.org", token: "tok", keyAuth: "tok.thumb" })}\n`,
    );
    expect(r.status).toBe(200);
    const { value } = JSON.parse(r.text) as { value: string };
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.records.get("_acme-challenge.www.example.org")?.has(value)).toBe(true);
    const c = await post(
      "/cleanup",
      `${JSON.stringify({ domain: "www.example.org", token: "tok", keyAuth: "tok.thumb" })}\n`,
    );
    expect(c.status).toBe(200);
    expect(store.records.has("_acme-challenge.www.example.org")).toBe(false);
  });

  it.each([
    ["a subdomain of an exact-domain grant", "_acme-challenge.www.example.com."],
    ["the apex of a subdomain grant", "_acme-challenge.example.org."],
    ["a look-alike suffix", "_acme-challenge.evilexample.com."],
  ])("refuses %s with 403 and the Django message", async (_n, fqdn) => {
    const r = await post("/present", legoBody(fqdn, V1));
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).message).toBe(
      `The user lego does not have permission to manage ${fqdn.slice(0, -1)}`,
    );
  });

  it.each([
    ["a quote in the value", legoBody("_acme-challenge.example.com.", 'a"b'), "value"],
    ["a space in the value", legoBody("_acme-challenge.example.com.", "a b"), "value"],
    ["a newline in the value", legoBody("_acme-challenge.example.com.", "a\nb"), "value"],
    ["a CNAME target without the prefix", legoBody("challenges.example.com.", V1), "fqdn"],
    ["a numeric value", '{"fqdn":"_acme-challenge.example.com","value":5}', "value"],
  ])("rejects %s with a 400 naming the field, and stores nothing", async (_n, body, field) => {
    const before = JSON.stringify([...store.records]);
    const r = await post("/present", body);
    expect(r.status).toBe(400);
    const parsed = JSON.parse(r.text) as { field: string; message: string };
    expect(parsed.field).toBe(field);
    expect(r.text).not.toContain("\n");
    expect(JSON.stringify([...store.records])).toBe(before);
  });

  it("rejects malformed JSON with a 400", async () => {
    const r = await post("/present", "{not json");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toBe("Body is not valid JSON");
  });

  it("says when the zone is not in the repository", async () => {
    const store2 = new MemoryRecordStore([]);
    const s = await startTestServer(t.db, store2);
    try {
      const res = await fetch(`${s.url}/present`, {
        method: "POST",
        headers: { authorization: lego },
        body: legoBody("_acme-challenge.example.com.", V1),
      });
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(/No zone file .* covers _acme-challenge\.example\.com/);
    } finally {
      await s.close();
    }
  });

  it("asks for credentials with 401 and WWW-Authenticate", async () => {
    const res = await fetch(`${server.url}/present`, {
      method: "POST",
      body: legoBody("_acme-challenge.example.com.", V1),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="httprequest-lego-provider"/);
    const wrong = await post("/present", legoBody("_acme-challenge.example.com.", V1), {
      authorization: basic("lego", "nope"),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain("nope");
  });

  it("reports every challenge to the observers (audit trail)", () => {
    const ok = server.events.find((e) => e.outcome === "ok" && e.action === "present");
    expect(ok).toMatchObject({ username: "lego", fqdn: "_acme-challenge.example.com", status: 200 });
    expect(ok?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(server.events.some((e) => e.outcome === "denied" && e.status === 403)).toBe(true);
    expect(server.events.some((e) => e.outcome === "unauthenticated")).toBe(true);
  });

  it("after its free failures, one address gets 429 and Retry-After for that user, even for the right password", async () => {
    const attempt = (password: string) =>
      post("/present", legoBody("_acme-challenge.x.example.org.", V1), {
        authorization: basic("other", password),
      });
    for (let i = 0; i < PAIR_FREE_FAILURES; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const blocked = await attempt("other-password");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another user from the same address is not locked out by this.
    expect((await post("/present", legoBody("_acme-challenge.example.com.", V1))).status).toBe(200);
  });

  it("serves /healthz, /readyz and Prometheus /metrics", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/hlp_http_requests_total\{route="\/present",method="POST",status="200"\} \d+/);
    expect(metrics).toMatch(/hlp_auth_failures_total\{reason="bad_credentials"\} \d+/);
    expect(metrics).toMatch(/hlp_auth_verify_seconds_count\{cached="true"\} \d+/);
  });
});
