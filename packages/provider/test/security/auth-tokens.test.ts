import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { type AuthService, OPS, startAuthService } from "./auth-fixture.js";

/**
 * Tokens end when they should: a refresh token works once, and a password change or a
 * deactivation ends every access and refresh token the user holds.
 */
describe.each(DATABASE_KINDS)("admin API tokens against the running service on %s", (kind) => {
  let s: AuthService;
  let id = 0;
  let password = "tok-password-0";
  const ops = { username: OPS.username, password: OPS.password };

  beforeAll(async () => {
    s = await startAuthService(kind);
    const created = await s.json(
      "/api/v1/users",
      { username: "tok", password, is_staff: true },
      { auth: ops },
    );
    expect(created.status).toBe(201);
    ({ id } = JSON.parse(created.body) as { id: number });
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  const obtain = async () => {
    const r = await s.json("/api/v1/auth/token", { username: "tok", password });
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as { access: string; refresh: string };
  };
  const refresh = (token: string) => s.json("/api/v1/auth/token/refresh", { refresh: token });
  const useAccess = (token: string) =>
    s.send("/api/v1/users", { headers: { authorization: `Bearer ${token}` } });
  const changeUser = async (patch: Record<string, unknown>) => {
    const r = await s.json(`/api/v1/users/${id}`, patch, { auth: ops, method: "PATCH" });
    expect(r.status).toBe(200);
  };

  it("a refresh token buys exactly one new pair", async () => {
    const first = await obtain();
    const once = await refresh(first.refresh);
    expect(once.status).toBe(200);
    const second = JSON.parse(once.body) as { access: string; refresh: string };
    const replay = await refresh(first.refresh);
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body).message).toBe("Token has already been used: log in again");
    // The rotated one works, once.
    expect((await refresh(second.refresh)).status).toBe(200);
    expect((await refresh(second.refresh)).status).toBe(401);
    expect((await useAccess(second.access)).status).toBe(200);
  });

  it("a password change ends every token the user holds", async () => {
    const pair = await obtain();
    const unused = await obtain();
    expect((await useAccess(pair.access)).status).toBe(200);
    password = "tok-password-1";
    await changeUser({ password });
    for (const r of [
      await useAccess(pair.access),
      await refresh(pair.refresh),
      await refresh(unused.refresh),
    ]) {
      expect(r.status).toBe(401);
      expect(r.body).not.toContain(password);
    }
    // A new login gets working tokens again.
    expect((await useAccess((await obtain()).access)).status).toBe(200);
  });

  it("deactivation ends every token the user holds", async () => {
    const pair = await obtain();
    expect((await useAccess(pair.access)).status).toBe(200);
    await changeUser({ is_active: false });
    expect((await useAccess(pair.access)).status).toBe(401);
    expect((await refresh(pair.refresh)).status).toBe(401);
    expect((await s.json("/api/v1/auth/token", { username: "tok", password })).status).toBe(401);
  });

  it("a forged or tampered token is refused", async () => {
    await changeUser({ is_active: true });
    const { access } = await obtain();
    const [h, p, sig] = access.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, user_id: 1 })).toString("base64url")}.${sig}`;
    expect((await useAccess(tampered)).status).toBe(401);
    expect((await useAccess(`${h}.${p}.`)).status).toBe(401);
  });
});
