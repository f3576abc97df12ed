import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, type AuthService, median, OPS, presentBody, startAuthService } from "./auth-fixture.js";

/**
 * Response time and wording do not tell which usernames exist or are active: an unknown name costs
 * a KDF run at the real cost, and unknown, wrong and inactive all get the same answer. Timing is
 * compared by medians of interleaved samples with a generous factor, so a loaded machine does
 * not make the test flaky; each sample comes from its own address so throttling stays out of it.
 */
describe("no username enumeration against the running service", () => {
  let s: AuthService;
  let nextAddress = 1;
  const fresh = () => `127.0.1.${nextAddress++}`;
  const CAROL = { username: "carol", password: "carol-correct-password-1" };

  beforeAll(async () => {
    s = await startAuthService("postgresql");
    const ops = { username: OPS.username, password: OPS.password };
    const created = await s.json("/api/v1/users", CAROL, { auth: ops });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: number };
    const patched = await s.json(`/api/v1/users/${id}`, { is_active: false }, { auth: ops, method: "PATCH" });
    expect(patched.status).toBe(200);
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  async function timed(request: () => Promise<{ status: number }>): Promise<number> {
    const started = performance.now();
    const r = await request();
    expect(r.status).toBe(401);
    return performance.now() - started;
  }

  async function compare(
    unknown: (i: number) => Promise<{ status: number }>,
    known: (i: number) => Promise<{ status: number }>,
  ) {
    const u: number[] = [];
    const k: number[] = [];
    for (let i = 0; i < 5; i++) {
      k.push(await timed(() => known(i)));
      u.push(await timed(() => unknown(i)));
    }
    return { unknown: median(u), known: median(k) };
  }

  it("/present: an unknown user takes about as long as a known user with a wrong password", async () => {
    const present = (username: string, password: string) =>
      s.send("/present", { from: fresh(), auth: { username, password }, body: presentBody("v") });
    const t = await compare(
      (i) => present(`nobody-${i}`, "guess"),
      (i) => present(ALICE.username, `guess-${i}`),
    );
    expect(t.unknown).toBeGreaterThanOrEqual(0.5 * t.known);
  }, 120_000);

  it("/api/v1/auth/token: an unknown or inactive user takes about as long as a wrong password", async () => {
    const token = (username: string, password: string) =>
      s.json("/api/v1/auth/token", { username, password }, { from: fresh() });
    const t = await compare(
      (i) => token(`nobody-${i}`, "guess"),
      (i) => token(ALICE.username, `guess-${i}`),
    );
    expect(t.unknown).toBeGreaterThanOrEqual(0.5 * t.known);
    const inactive = await compare(
      () => token(CAROL.username, CAROL.password),
      (i) => token(ALICE.username, `again-${i}`),
    );
    expect(inactive.unknown).toBeGreaterThanOrEqual(0.5 * inactive.known);
  }, 120_000);

  it("answers unknown, wrong and inactive with one and the same message", async () => {
    const cases = [
      { username: "nobody", password: "guess" },
      { username: ALICE.username, password: "guess" },
      CAROL,
    ];
    const present = await Promise.all(
      cases.map((auth) => s.send("/present", { from: fresh(), auth, body: presentBody("v") })),
    );
    expect(present.map((r) => [r.status, r.body])).toEqual(
      cases.map(() => [
        401,
        JSON.stringify({ error: "unauthorized", message: "Invalid username or password" }),
      ]),
    );
    const token = await Promise.all(cases.map((c) => s.json("/api/v1/auth/token", c, { from: fresh() })));
    expect(token.map((r) => [r.status, JSON.parse(r.body).message])).toEqual(
      cases.map(() => [401, "No active account found with the given credentials"]),
    );
  }, 120_000);
});
