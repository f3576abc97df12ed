import { describe, expect, it } from "vitest";
import { CACHE_MAX_INFLIGHT, CredentialCache } from "../../src/auth/credential-cache.js";

describe("CredentialCache", () => {
  /** A verifier that accepts one password and counts its (expensive) runs. */
  function verifier(correct: string) {
    const calls = { n: 0 };
    const make = (password: string) => async () => {
      calls.n += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return password === correct;
    };
    return { calls, make };
  }

  it("verifies once, then answers from the cache only for the same username, password and stored hash", async () => {
    const cache = new CredentialCache();
    const v = verifier("pw");
    expect(await cache.check("alice", "pw", "hash-1", v.make("pw"))).toEqual({ ok: true, cached: false });
    expect(await cache.check("alice", "pw", "hash-1", v.make("pw"))).toEqual({ ok: true, cached: true });
    expect(v.calls.n).toBe(1);
    // A password change stores a new hash: the old entry no longer answers.
    expect(await cache.check("alice", "pw", "hash-2", v.make("pw"))).toEqual({ ok: true, cached: false });
    expect(await cache.check("bob", "pw", "hash-1", v.make("pw"))).toEqual({ ok: true, cached: false });
    expect(v.calls.n).toBe(3);
  });

  it("never caches a failure", async () => {
    const cache = new CredentialCache();
    const v = verifier("pw");
    expect(await cache.check("alice", "nope", "h", v.make("nope-wrong"))).toEqual({
      ok: false,
      cached: false,
    });
    expect(await cache.check("alice", "nope", "h", v.make("nope-wrong"))).toEqual({
      ok: false,
      cached: false,
    });
    expect(v.calls.n).toBe(2);
  });

  it("concurrent first requests with the same credentials share one verification", async () => {
    const cache = new CredentialCache();
    const v = verifier("pw");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.check("alice", "pw", "h", v.make("pw"))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(v.calls.n).toBe(1);
  });

  it("expires entries", async () => {
    let now = 0;
    const cache = new CredentialCache(10, 1000, () => now);
    const v = verifier("pw");
    await cache.check("alice", "pw", "h", v.make("pw"));
    now = 999;
    expect((await cache.check("alice", "pw", "h", v.make("pw"))).cached).toBe(true);
    now = 1000;
    expect((await cache.check("alice", "pw", "h", v.make("pw"))).cached).toBe(false);
  });

  it("is bounded, evicting the oldest entry", async () => {
    const cache = new CredentialCache(2);
    const ok = async () => true;
    await cache.check("a", "1", "h", ok);
    await cache.check("b", "1", "h", ok);
    await cache.check("c", "1", "h", ok);
    expect(cache.size).toBe(2);
    expect((await cache.check("a", "1", "h", ok)).cached).toBe(false);
    expect((await cache.check("c", "1", "h", ok)).cached).toBe(true);
  });

  it("holds no usable secret: keys are keyed hashes", async () => {
    const cache = new CredentialCache();
    await cache.check("alice", "hunter2-password", "h", async () => true);
    const internals = JSON.stringify([
      ...(cache as unknown as { entries: Map<string, number> }).entries.keys(),
    ]);
    expect(internals).not.toContain("hunter2");
    expect(internals).not.toContain("alice");
  });

  it("keeps at most CACHE_MAX_INFLIGHT shared verifications, whatever the number of distinct credentials", async () => {
    const cache = new CredentialCache();
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = () => gate.then(() => false);
    const all = Array.from({ length: CACHE_MAX_INFLIGHT + 500 }, (_, i) =>
      cache.check(`u${i}`, "pw", "h", slow),
    );
    const inflight = (cache as unknown as { inflight: Map<string, unknown> }).inflight;
    expect(inflight.size).toBe(CACHE_MAX_INFLIGHT);
    release();
    await Promise.all(all);
    await new Promise((r) => setTimeout(r, 0));
    expect(inflight.size).toBe(0);
  });
});
