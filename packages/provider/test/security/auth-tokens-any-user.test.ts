import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, type AuthService, presentBody, startAuthService } from "./auth-fixture.js";

/**
 * What README and docs/security.md promise about `/api/v1/auth/token/` (decision 0705): any
 * active user gets a token pair, as with the Django app's DRF; an access token does on
 * /present and /cleanup exactly what the password does, and opens nothing else.
 */
describe("tokens of a user who is not staff, against the running service on PostgreSQL", () => {
  let s: AuthService;
  beforeAll(async () => {
    s = await startAuthService("postgresql");
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  const pair = async () => {
    const r = await s.json("/api/v1/auth/token/", ALICE);
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as { access: string; refresh: string };
  };
  const bearer = (token: string) => ({
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
  });
  const challenge = (path: string, token: string, fqdn: string) =>
    s.send(path, { body: JSON.stringify({ fqdn, value: "token-value-1" }), headers: bearer(token) });

  it("gets a pair, and its access token works on /present and /cleanup within the user's grants", async () => {
    const { access } = await pair();
    expect((await challenge("/present", access, "_acme-challenge.www.example.test.")).status).toBe(200);
    expect((await challenge("/cleanup", access, "_acme-challenge.www.example.test.")).status).toBe(200);
    const outside = await challenge("/present", access, "_acme-challenge.www.example.org.");
    expect(outside.status).toBe(403);
    expect(outside.body).toContain("The user alice does not have permission to manage");
  });

  it("the token opens none of the staff routes: admin API, audit trail, admin pages", async () => {
    const { access } = await pair();
    for (const path of ["/api/v1/users/", "/api/v1/domains/", "/api/v1/audit/"])
      expect((await s.send(path, { headers: bearer(access) })).status, path).toBe(403);
    // The admin pages know only their own session cookie: a token is no login there.
    const page = await s.send("/admin/users", { headers: bearer(access) });
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/admin\/login\?/);
  });

  it("refreshes like any token, and a refresh token is no access token", async () => {
    const { refresh } = await pair();
    expect((await s.send("/present", { body: presentBody("x-1"), headers: bearer(refresh) })).status).toBe(
      401,
    );
    const next = await s.json("/api/v1/auth/token/refresh/", { refresh });
    expect(next.status).toBe(200);
    const { access } = JSON.parse(next.body) as { access: string };
    expect((await s.send("/present", { body: presentBody("x-2"), headers: bearer(access) })).status).toBe(
      200,
    );
  });
});
