import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackRequest } from "../helpers/service-process.js";
import { type RunningFixture, START_TIMEOUT_MS, startService, USER } from "./http-service.js";

const DIGESTS = [
  "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM",
  "Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo",
] as const;

/**
 * acme-dns's routes carry passwords in X-Api-Key and in /register's answer: the real service at
 * debug level must log none of them, whether the key was right or wrong.
 */
describe("acme-dns routes never log a key", () => {
  let t: RunningFixture;
  const secrets = new Set<string>([USER.password]);
  const update = (user: string, key: string, subdomain: string, txt: string) =>
    loopbackRequest(`${t.svc.url}/update`, {
      body: `${JSON.stringify({ subdomain, txt })}\n`,
      headers: { "content-type": "application/json", "x-api-user": user, "x-api-key": key },
    });

  beforeAll(async () => {
    t = await startService("postgresql", {
      APP_LOG_LEVEL: "debug",
      APP_ACMEDNS_ZONE: "example.test",
      APP_ACMEDNS_REGISTER: "true",
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  it("exercises /update with right and wrong keys, and /register", async () => {
    expect((await update(USER.username, USER.password, "www.example.test", DIGESTS[0])).status).toBe(200);
    const wrong = "Wr0ng-acmedns-key-6a2f";
    secrets.add(wrong);
    expect((await update(USER.username, wrong, "www.example.test", DIGESTS[1])).status).toBe(401);
    const registered = await loopbackRequest(`${t.svc.url}/register`, { method: "POST" });
    expect(registered.status).toBe(201);
    const account = JSON.parse(registered.body) as { username: string; password: string; subdomain: string };
    secrets.add(account.password);
    expect((await update(account.username, account.password, account.subdomain, DIGESTS[1])).status).toBe(
      200,
    );
  });

  it("logged none of the keys it saw", async () => {
    await new Promise((r) => setTimeout(r, 500));
    const output = t.svc.output();
    expect(output).toContain('"path":"/update"');
    for (const secret of secrets) expect(output, `log holds ${secret.slice(0, 6)}…`).not.toContain(secret);
  });
});
