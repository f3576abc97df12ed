import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGIN_CSRF_COOKIE, LOGIN_FAILED, SESSION_COOKIE } from "../../src/admin/admin-router.js";
import { AUDIT_TABLE } from "../../src/audit/audit-repo.js";
import { PAIR_FREE_FAILURES } from "../../src/auth/login-rate-limiter.js";
import { type AdminHarness, PLAIN, STAFF, startAdminHarness } from "./harness.js";

/** A minimal browser over fetch: keeps cookies, does not follow redirects. */
class Client {
  readonly cookies = new Map<string, string>();
  lastSetCookie: string[] = [];
  constructor(private readonly base: string) {}

  async request(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      redirect: "manual",
      headers: {
        ...headers,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const c of this.lastSetCookie) {
      const [pair] = c.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: res.status,
      location: res.headers.get("location"),
      text: await res.text(),
      headers: res.headers,
    };
  }

  /** The hidden CSRF field of the last page. */
  static csrf(page: string): string {
    const m = /name="csrf_token" value="([^"]+)"/.exec(page);
    if (!m?.[1]) throw new Error("no csrf_token field on the page");
    return m[1];
  }

  async login(username: string, password: string, headers: Record<string, string> = {}) {
    const form = await this.request("GET", "/admin/login", undefined, headers);
    return this.request(
      "POST",
      "/admin/login",
      { username, password, csrf_token: Client.csrf(form.text) },
      headers,
    );
  }
}

describe("admin sessions, cookies and CSRF (over HTTP, PostgreSQL)", () => {
  let h: AdminHarness;
  let clock = Date.parse("2026-06-01T12:00:00Z");

  beforeAll(async () => {
    h = await startAdminHarness("postgresql", {
      now: () => new Date(clock),
      sessionPolicy: { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("sets an HttpOnly, SameSite=Strict session cookie scoped to /admin, not Secure over plain HTTP", async () => {
    const c = new Client(h.url);
    const res = await c.login(STAFF.username, STAFF.password);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/admin/users");
    const session = c.lastSetCookie.find((s) => s.startsWith(`${SESSION_COOKIE}=`));
    expect(session).toMatch(/; Path=\/admin; HttpOnly; SameSite=Strict$/);
    expect(session).not.toContain("Secure");
    expect((await c.request("GET", "/admin/users")).status).toBe(200);
  });

  it("marks the cookie Secure when a trusted proxy says the client used HTTPS", async () => {
    const c = new Client(h.url);
    const res = await c.login(STAFF.username, STAFF.password, { "x-forwarded-proto": "https" });
    expect(res.status).toBe(303);
    expect(c.lastSetCookie.find((s) => s.startsWith(`${SESSION_COOKIE}=`))).toMatch(
      /HttpOnly; SameSite=Strict; Secure$/,
    );
  });

  it("refuses non-staff, inactive and wrong credentials with one message, and records the attempts", async () => {
    for (const [u, p] of [
      [PLAIN.username, PLAIN.password],
      [STAFF.username, "wrong-password"],
      ["nobody", "whatever"],
    ] as const) {
      const c = new Client(h.url);
      const res = await c.login(u, p);
      expect(res.status).toBe(401);
      expect(res.text).toContain(LOGIN_FAILED.slice(0, 40));
      expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
      expect((await c.request("GET", "/admin/users")).status).toBe(303);
    }
    await h.audit.flush();
    const denied = await h.t.db
      .knex(AUDIT_TABLE)
      .where({ action: "session.login", outcome: "denied" })
      .select("actor", "detail");
    expect(denied).toEqual(
      expect.arrayContaining([
        { actor: "plain", detail: "not a staff account" },
        { actor: "admin", detail: "wrong username or password" },
      ]),
    );
    expect(JSON.stringify(denied)).not.toContain("wrong-password");
  });

  it("rate-limits failed logins per address and username, like Basic auth", async () => {
    const c = new Client(h.url);
    for (let i = 0; i < PAIR_FREE_FAILURES; i++)
      expect((await c.login("staff-target", `guess-${i}`)).status).toBe(401);
    const limited = await c.login("staff-target", "guess-again");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.text).toContain("Too many failed logins");
  });

  it("refuses a login form posted without its CSRF cookie (login CSRF)", async () => {
    const c = new Client(h.url);
    const page = await c.request("GET", "/admin/login");
    c.cookies.delete(LOGIN_CSRF_COOKIE);
    const res = await c.request("POST", "/admin/login", {
      username: STAFF.username,
      password: STAFF.password,
      csrf_token: Client.csrf(page.text),
    });
    expect(res.status).toBe(403);
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a change without the CSRF token, or with another session's token, and changes nothing", async () => {
    const a = new Client(h.url);
    await a.login(STAFF.username, STAFF.password);
    const b = new Client(h.url);
    await b.login(STAFF.username, STAFF.password);
    const otherToken = Client.csrf((await b.request("GET", "/admin/users")).text);
    const noToken = await a.request("POST", "/admin/users", { username: "forged1" });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain("missing its security token");
    const wrongToken = await a.request("POST", "/admin/users", {
      username: "forged2",
      csrf_token: otherToken,
    });
    expect(wrongToken.status).toBe(403);
    const header = await a.request(
      "POST",
      "/admin/users",
      { username: "forged3" },
      { "x-csrf-token": "guess" },
    );
    expect(header.status).toBe(403);
    expect(await h.accounts.users.findByUsername("forged1")).toBeUndefined();
    expect(await h.accounts.users.findByUsername("forged2")).toBeUndefined();
    expect(await h.accounts.users.findByUsername("forged3")).toBeUndefined();
    // Without any session a change is refused too, and never redirected into.
    const anon = await new Client(h.url).request("POST", "/admin/users", {
      username: "forged4",
      csrf_token: "x",
    });
    expect(anon.status).toBe(401);
  });

  it("ends the session at logout: the old cookie no longer works", async () => {
    const c = new Client(h.url);
    await c.login(STAFF.username, STAFF.password);
    const stolen = c.cookies.get(SESSION_COOKIE) ?? "";
    const page = await c.request("GET", "/admin/users");
    const out = await c.request("POST", "/admin/logout", { csrf_token: Client.csrf(page.text) });
    expect(out.status).toBe(303);
    expect(out.location).toBe("/admin/login?logged_out=1");
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    const replay = new Client(h.url);
    replay.cookies.set(SESSION_COOKIE, stolen);
    const res = await replay.request("GET", "/admin/users");
    expect(res.status).toBe(303);
    expect(res.location).toContain("/admin/login?");
  });

  it("expires a session after the idle time and after the absolute lifetime", async () => {
    const idle = new Client(h.url);
    await idle.login(STAFF.username, STAFF.password);
    clock += 29 * 60_000;
    expect((await idle.request("GET", "/admin/users")).status).toBe(200);
    clock += 29 * 60_000;
    expect((await idle.request("GET", "/admin/users")).status).toBe(200);
    clock += 31 * 60_000;
    const expired = await idle.request("GET", "/admin/users");
    expect(expired.status).toBe(303);
    expect(expired.location).toContain("expired=1");

    const busy = new Client(h.url);
    await busy.login(STAFF.username, STAFF.password);
    for (let i = 0; i < 19; i++) {
      clock += 25 * 60_000;
      expect((await busy.request("GET", "/admin/activity")).status).toBe(200);
    }
    clock += 25 * 60_000; // 8 h 20 min after login, never idle for long
    expect((await busy.request("GET", "/admin/activity")).status).toBe(303);
  });

  it("ends the session of a user who is no longer staff", async () => {
    const { user } = await h.accounts.createOrUpdateUser("staff2", {
      password: "staff2-password",
      staff: true,
    });
    const c = new Client(h.url);
    expect((await c.login("staff2", "staff2-password")).status).toBe(303);
    await h.accounts.users.update(user.id, { isStaff: false });
    expect((await c.request("GET", "/admin/users")).status).toBe(303);
  });

  it("ends a staff user's other sessions when an administrator resets its password", async () => {
    const { user } = await h.accounts.createOrUpdateUser("staff3", {
      password: "staff3-password",
      staff: true,
    });
    const victim = new Client(h.url);
    expect((await victim.login("staff3", "staff3-password")).status).toBe(303);
    const admin = new Client(h.url);
    await admin.login(STAFF.username, STAFF.password);
    const page = await admin.request("GET", "/admin/users");
    const reset = await admin.request("POST", `/admin/users/${user.id}/password`, {
      csrf_token: Client.csrf(page.text),
    });
    expect(reset.status).toBe(200);
    expect(reset.text).toContain('id="new-password"');
    expect((await victim.request("GET", "/admin/users")).status).toBe(303);
    expect((await admin.request("GET", "/admin/users")).status).toBe(200);
  });

  it("only returns to admin pages after login (no open redirect)", async () => {
    const c = new Client(h.url);
    const page = await c.request("GET", "/admin/login?next=//evil.example/x");
    expect(page.text).not.toContain("evil.example");
    const res = await c.request("POST", "/admin/login", {
      username: STAFF.username,
      password: STAFF.password,
      next: "https://evil.example/",
      csrf_token: Client.csrf(page.text),
    });
    expect(res.location).toBe("/admin/users");
    const c2 = new Client(h.url);
    const p2 = await c2.request("GET", "/admin/activity?kind=admin");
    expect(p2.location).toBe("/admin/login?next=%2Fadmin%2Factivity%3Fkind%3Dadmin");
    const form = await c2.request("GET", p2.location ?? "");
    const back = await c2.request("POST", "/admin/login", {
      username: STAFF.username,
      password: STAFF.password,
      next: "/admin/activity?kind=admin",
      csrf_token: Client.csrf(form.text),
    });
    expect(back.location).toBe("/admin/activity?kind=admin");
  });

  it("sends pages with a strict Content-Security-Policy and no caching", async () => {
    const res = await new Client(h.url).request("GET", "/admin/login");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const css = await new Client(h.url).request("GET", "/admin/static/admin.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
  });
});
