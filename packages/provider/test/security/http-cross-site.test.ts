import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackRequest } from "../helpers/service-process.js";
import { ADMIN, type RunningFixture, START_TIMEOUT_MS, startService, USER } from "./http-service.js";

const record = JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "planted" });

/** What a page on another site can make a browser send with the user's Basic credentials. */
const CROSS_SITE: readonly { name: string; path: string; headers: Record<string, string>; body: string }[] = [
  {
    name: "text/plain /present from a foreign Origin",
    path: "/present",
    headers: { "content-type": "text/plain", origin: "https://evil.example" },
    body: record,
  },
  {
    name: "form /present marked Sec-Fetch-Site: cross-site",
    path: "/present",
    headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
    body: "fqdn=_acme-challenge.www.example.test&value=planted",
  },
  {
    name: "/present from a sibling subdomain (same-site)",
    path: "/present",
    headers: {
      "content-type": "text/plain",
      "sec-fetch-site": "same-site",
      origin: "https://other.example.test",
    },
    body: record,
  },
  {
    name: "/cleanup from an opaque Origin: null (sandboxed frame)",
    path: "/cleanup",
    headers: { "content-type": "text/plain", origin: "null" },
    body: record,
  },
];

describe("cross-site browser requests", () => {
  let t: RunningFixture;
  beforeAll(async () => {
    t = await startService("postgresql");
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  it.each(CROSS_SITE)("$name → 403 naming the reason", async (c) => {
    const r = await loopbackRequest(`${t.svc.url}${c.path}`, {
      auth: USER,
      headers: c.headers,
      body: c.body,
    });
    expect(r.status, r.body).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({
      error: "forbidden",
      message: expect.stringMatching(/^Cross-site request refused: /),
    });
  });

  it("refuses the admin API and the admin pages too", async () => {
    const api = await loopbackRequest(`${t.svc.url}/api/v1/domains/`, {
      auth: ADMIN,
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: '{"fqdn":"evil.example.test"}',
    });
    expect(api.status, api.body).toBe(403);
    const login = await loopbackRequest(`${t.svc.url}/admin/login`, {
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "cross-site",
        cookie: "hlp_admin_login_csrf=tok",
      },
      body: `csrf_token=tok&username=root&password=${encodeURIComponent(ADMIN.password)}`,
    });
    expect(login.status).toBe(403);
    expect(login.headers["set-cookie"]).toBeUndefined();
    expect(login.body).toContain("Cross-site request refused");
  });

  it("nothing was planted: the refused requests never reached the DNS repository", async () => {
    const r = await loopbackRequest(`${t.svc.url}/api/v1/audit/?kind=challenge`, { auth: ADMIN });
    expect(JSON.parse(r.body)).toMatchObject({ count: 0 });
  });

  it("keeps serving lego and curl (no browser headers) and the service's own pages", async () => {
    const lego = await loopbackRequest(`${t.svc.url}/present`, {
      auth: USER,
      headers: { "content-type": "application/json" },
      body: record,
    });
    expect(lego.status, lego.body).toBe(200);
    const ownOrigin = await loopbackRequest(`${t.svc.url}/cleanup`, {
      auth: USER,
      headers: { "content-type": "application/json", origin: t.svc.url },
      body: record,
    });
    expect(ownOrigin.status, ownOrigin.body).toBe(200);
    const ownPage = await loopbackRequest(`${t.svc.url}/admin/login`, {
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "same-origin",
        origin: t.svc.url,
        cookie: "hlp_admin_login_csrf=tok",
      },
      body: `csrf_token=tok&username=root&password=${encodeURIComponent(ADMIN.password)}`,
    });
    expect(ownPage.status, ownPage.body).toBe(303);
    // The admin pages keep their CSRF tokens and browser hardening headers.
    const page = await loopbackRequest(`${t.svc.url}/admin/login`);
    expect(page.body).toContain('name="csrf_token"');
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers).toMatchObject({
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cache-control": "no-store",
    });
    // Reading is not refused: a cross-site GET changes nothing.
    const get = await loopbackRequest(`${t.svc.url}/healthz`, {
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(get.status).toBe(200);
  });
});
