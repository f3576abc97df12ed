import { describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/django-password.js";
import { DummyVerification } from "../../src/auth/dummy-verification.js";
import { KdfGate } from "../../src/auth/kdf-gate.js";
import { LoginRateLimiter, PAIR_FREE_FAILURES } from "../../src/auth/login-rate-limiter.js";
import { type LoginUsers, PasswordLogin } from "../../src/auth/password-login.js";
import type { UserRow, UserWithGrants } from "../../src/db/users-repo.js";
import { AppError } from "../../src/errors.js";

/** Counts KDF runs for unknown names instead of spending a million iterations on each. */
class CountingDummy extends DummyVerification {
  runs = 0;
  override async verify(): Promise<false> {
    this.runs += 1;
    await new Promise((r) => setTimeout(r, 5));
    return false;
  }
}

/** Counts KDF runs that were let through (real or dummy). */
class CountingGate extends KdfGate {
  runs = 0;
  override run<T>(address: string, fn: () => Promise<T>): Promise<T> {
    return super.run(address, () => {
      this.runs += 1;
      return fn();
    });
  }
}

async function setup() {
  const user = (name: string, password: string, isActive = true): Promise<UserRow> =>
    hashPassword(password, 1000).then((hash) => ({
      id: name.length,
      username: name,
      password: hash,
      email: "",
      isActive,
      isStaff: false,
      isSuperuser: false,
      dateJoined: new Date(0),
    }));
  const rows = new Map<string, UserWithGrants>();
  for (const u of [await user("alice", "pw-alice"), await user("carol", "pw-carol", false)])
    rows.set(u.username, { user: u, grants: [] });
  const lookups: string[] = [];
  const users: LoginUsers = {
    findWithGrants: async (name) => {
      lookups.push(name);
      return rows.get(name);
    },
  };
  const dummy = new CountingDummy();
  const gate = new CountingGate();
  const login = new PasswordLogin(users, undefined, new LoginRateLimiter(), undefined, gate, dummy);
  return { login, lookups, dummy, gate };
}

describe("PasswordLogin", () => {
  const cases: {
    name: string;
    username: string;
    password: string;
    ok: boolean;
    reason?: string;
    dummyRuns: number;
  }[] = [
    { name: "right password", username: "alice", password: "pw-alice", ok: true, dummyRuns: 0 },
    {
      name: "wrong password",
      username: "alice",
      password: "nope",
      ok: false,
      reason: "bad_credentials",
      dummyRuns: 0,
    },
    {
      name: "unknown name (dummy KDF)",
      username: "nobody",
      password: "x",
      ok: false,
      reason: "bad_credentials",
      dummyRuns: 1,
    },
    {
      name: "inactive, right password",
      username: "carol",
      password: "pw-carol",
      ok: false,
      reason: "inactive",
      dummyRuns: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { login, dummy } = await setup();
      const r = await login.check(c.username, c.password, "10.0.0.1");
      expect(r.ok).toBe(c.ok);
      if (!r.ok) expect(r.reason).toBe(c.reason);
      expect(dummy.runs).toBe(c.dummyRuns);
    });
  }

  it("refuses names over 150 characters before any lookup", async () => {
    const { login, lookups, dummy } = await setup();
    expect(await login.check("a".repeat(151), "x", "10.0.0.1")).toEqual({
      ok: false,
      reason: "bad_credentials",
    });
    expect(await login.check("", "x", "10.0.0.1")).toEqual({ ok: false, reason: "bad_credentials" });
    expect(lookups).toEqual([]);
    expect(dummy.runs).toBe(0);
    expect(login.limiter.tracked).toEqual({ pairs: 0, addresses: 0 });
  });

  it("counts before the KDF: 14 concurrent wrong passwords run only the free ones", async () => {
    const { login, gate } = await setup();
    const results = await Promise.allSettled(
      Array.from({ length: 14 }, (_, i) => login.check("alice", `wrong-${i}`, "10.0.0.1")),
    );
    expect(gate.runs).toBeLessThanOrEqual(PAIR_FREE_FAILURES);
    const refused = results.filter((r) => r.status === "rejected");
    // The limiter admits the free failures; the KDF gate may refuse some of those too (its share
    // per address is KDF_MAX_PER_SOURCE), never admit more.
    expect(refused.length).toBeGreaterThanOrEqual(14 - PAIR_FREE_FAILURES);
    for (const r of refused)
      expect(r.status === "rejected" && r.reason instanceof AppError && r.reason.status).toBe(429);
    // Another address is not affected.
    expect((await login.check("alice", "pw-alice", "10.0.0.2")).ok).toBe(true);
  });

  it("never throttles a busy client for its own traffic: known credentials are no attempts", async () => {
    const { login, gate } = await setup();
    // Four failures of its own from this address: one short of the backoff.
    for (let i = 0; i < PAIR_FREE_FAILURES - 1; i++)
      expect((await login.check("alice", `typo-${i}`, "10.0.0.1")).ok).toBe(false);
    const runsBefore = gate.runs;
    // 50 concurrent requests with the right password, cold: one shared verification.
    const cold = await Promise.all(
      Array.from({ length: 50 }, () => login.check("alice", "pw-alice", "10.0.0.1")),
    );
    expect(cold.every((r) => r.ok)).toBe(true);
    expect(gate.runs - runsBefore).toBe(1);
    // And 100 more, answered from the cache without touching the limiter or the KDF.
    const warm = await Promise.all(
      Array.from({ length: 100 }, () => login.check("alice", "pw-alice", "10.0.0.1")),
    );
    expect(warm.every((r) => r.ok && r.cached)).toBe(true);
    expect(gate.runs - runsBefore).toBe(1);
  });
});
