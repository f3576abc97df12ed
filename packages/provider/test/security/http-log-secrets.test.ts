import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackRequest } from "../helpers/service-process.js";
import {
  ADMIN,
  basic,
  httpMessage,
  type RunningFixture,
  rawRequest,
  START_TIMEOUT_MS,
  startService,
  USER,
} from "./http-service.js";

/**
 * Drives every route that takes a secret (good and bad passwords, tokens, malformed bodies that
 * carry a password) through the real service at debug level, then greps everything it logged.
 */
describe("the service never logs a secret", () => {
  let t: RunningFixture;
  const secrets = new Set<string>([USER.password, ADMIN.password]);
  const json = { "content-type": "application/json" };
  const asAdmin = { auth: ADMIN, from: "127.0.0.3" };

  beforeAll(async () => {
    t = await startService("postgresql", { APP_LOG_LEVEL: "debug" });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  it("exercises the routes that carry secrets", async () => {
    const url = t.svc.url;
    const record = JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "v-1" });
    expect(
      (await loopbackRequest(`${url}/present`, { auth: USER, body: record, headers: json })).status,
    ).toBe(200);
    const wrong = "Wr0ng-guess-4d1c0a";
    secrets.add(wrong);
    const refused = await loopbackRequest(`${url}/present`, {
      auth: { username: USER.username, password: wrong },
      body: record,
      headers: json,
    });
    expect(refused.status).toBe(401);

    // Tokens: obtained, used, refreshed, and a malformed body that holds the password.
    const pair = await loopbackRequest(`${url}/api/v1/auth/token/`, {
      body: JSON.stringify(ADMIN),
      headers: json,
    });
    expect(pair.status).toBe(200);
    const tokens = JSON.parse(pair.body) as { access: string; refresh: string };
    secrets.add(tokens.access).add(tokens.refresh);
    const users = await loopbackRequest(`${url}/api/v1/users/`, {
      headers: { authorization: `Bearer ${tokens.access}` },
    });
    expect(users.status).toBe(200);
    const refreshed = await loopbackRequest(`${url}/api/v1/auth/token/refresh/`, {
      body: JSON.stringify({ refresh: tokens.refresh }),
      headers: json,
    });
    expect(refreshed.status).toBe(200);
    const again = JSON.parse(refreshed.body) as { access: string; refresh: string };
    secrets.add(again.access).add(again.refresh);
    const bad = await rawRequest(
      t.svc.port,
      httpMessage("POST", "/api/v1/auth/token/", json, `{"username":"root","password":"${ADMIN.password}"`),
    );
    expect(bad.status).toBe(400);

    // The admin API: a user created and a password changed.
    const newPassword = "N3w-user-secret-91ab";
    const changed = "Ch4nged-secret-0c7d";
    secrets.add(newPassword).add(changed);
    const created = await loopbackRequest(`${url}/api/v1/users/`, {
      ...asAdmin,
      body: JSON.stringify({ username: "carol", password: newPassword }),
      headers: json,
    });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: number };
    const patched = await loopbackRequest(`${url}/api/v1/users/${id}/`, {
      ...asAdmin,
      method: "PATCH",
      body: JSON.stringify({ password: changed }),
      headers: json,
    });
    expect(patched.status).toBe(200);

    // The admin pages: a login form with the right and a wrong password.
    const form = { "content-type": "application/x-www-form-urlencoded", cookie: "hlp_admin_login_csrf=tok" };
    for (const password of [ADMIN.password, wrong]) {
      const r = await loopbackRequest(`${url}/admin/login`, {
        body: `csrf_token=tok&username=root&password=${encodeURIComponent(password)}`,
        headers: form,
      });
      expect([303, 401]).toContain(r.status);
      for (const c of [r.headers["set-cookie"] ?? []].flat()) {
        const value = /^hlp_admin_session=([^;]+)/.exec(c)?.[1];
        if (value) secrets.add(value);
      }
    }
  });

  it("logged none of the passwords, tokens or Authorization headers it saw", async () => {
    await new Promise((r) => setTimeout(r, 500));
    const output = t.svc.output();
    expect(output).toContain('"msg":"request"');
    for (const secret of secrets) expect(output, `log holds ${secret.slice(0, 6)}…`).not.toContain(secret);
    expect(output).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    expect(output).not.toMatch(/Bearer [A-Za-z0-9._-]{8,}/);
    // Not even base64 of the Basic credentials.
    expect(output).not.toContain(basic(USER.username, USER.password).slice(6));
  });
});
