import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackRequest } from "../helpers/service-process.js";
import { type AuthService, presentBody, startAuthService } from "./auth-fixture.js";

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * Attacker-chosen strings cannot make the service grow: names longer than Django's 150
 * characters are refused before any lookup on every login route, and nothing keyed by them is kept.
 */
describe("bounded memory for hostile usernames against the running service", () => {
  let s: AuthService;
  beforeAll(async () => {
    // Behind a "proxy" at 127.0.0.1 so every rotated X-Forwarded-For is a new client address.
    s = await startAuthService("postgresql", { APP_TRUSTED_PROXIES: "127.0.0.1" });
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  const long = (n: number, tag: string) => `${tag}-`.padEnd(n, "x");

  it("refuses over-long names on Basic auth, the token endpoint and the admin login", async () => {
    const basic = await s.send("/present", {
      auth: { username: long(151, "b"), password: "pw" },
      body: presentBody("v"),
    });
    expect(basic.status).toBe(401);
    const token = await s.json("/api/v1/auth/token", { username: long(151, "t"), password: "pw" });
    expect(token.status).toBe(400);
    expect(JSON.parse(token.body)).toMatchObject({ field: "username" });

    const form = await s.send("/admin/login");
    const cookie = String(form.headers["set-cookie"]?.[0] ?? "").split(";")[0] ?? "";
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
    const admin = await s.send("/admin/login", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: long(151, "a"), password: "pw", csrf_token: csrf }).toString(),
    });
    expect(admin.status).toBe(401);
  });

  it("1,800 token requests with 60 KB names and rotating X-Forwarded-For leave the memory flat", async () => {
    const pid = s.svc.child.pid ?? 0;
    const send = (i: number) =>
      loopbackRequest(`${s.svc.url}/api/v1/auth/token`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ username: long(60_000, String(i)), password: "pw" }),
      });
    // Warm up, then measure.
    for (let i = 0; i < 50; i++) await send(i);
    const before = await rssMb(pid);
    for (let batch = 0; batch < 1800 / 50; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, (_, j) => send(1000 + batch * 50 + j)));
      expect(results.every((r) => r.status === 400)).toBe(true);
    }
    const after = await rssMb(pid);
    // Before the fix this grew by ~200 MB; garbage still in the heap accounts for a few tens.
    expect(after - before).toBeLessThan(80);
  }, 180_000);
});
