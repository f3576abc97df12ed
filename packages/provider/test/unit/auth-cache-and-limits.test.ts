import { describe, expect, it } from "vitest";
import { CredentialCache } from "../../src/auth/credential-cache.js";
import { LoginRateLimiter } from "../../src/auth/login-rate-limiter.js";

describe("CredentialCache", () => {
  it("answers only for the exact username, password and stored hash", () => {
    const cache = new CredentialCache();
    cache.remember("alice", "pw", "hash-1");
    expect(cache.has("alice", "pw", "hash-1")).toBe(true);
    expect(cache.has("alice", "pw2", "hash-1")).toBe(false);
    expect(cache.has("bob", "pw", "hash-1")).toBe(false);
    // A password change stores a new hash: the old entry no longer answers.
    expect(cache.has("alice", "pw", "hash-2")).toBe(false);
  });

  it("expires entries", () => {
    let now = 0;
    const cache = new CredentialCache(10, 1000, () => now);
    cache.remember("alice", "pw", "h");
    now = 999;
    expect(cache.has("alice", "pw", "h")).toBe(true);
    now = 1000;
    expect(cache.has("alice", "pw", "h")).toBe(false);
  });

  it("is bounded, evicting the oldest entry", () => {
    const cache = new CredentialCache(2);
    cache.remember("a", "1", "h");
    cache.remember("b", "1", "h");
    cache.remember("c", "1", "h");
    expect(cache.size).toBe(2);
    expect(cache.has("a", "1", "h")).toBe(false);
    expect(cache.has("c", "1", "h")).toBe(true);
  });

  it("holds no usable secret: keys are keyed hashes", () => {
    const cache = new CredentialCache();
    cache.remember("alice", "hunter2-password", "h");
    const internals = JSON.stringify([
      ...(cache as unknown as { entries: Map<string, number> }).entries.keys(),
    ]);
    expect(internals).not.toContain("hunter2");
    expect(internals).not.toContain("alice");
  });
});

describe("LoginRateLimiter", () => {
  it("blocks a username after its limit, with a Retry-After inside the window", () => {
    let now = 0;
    const l = new LoginRateLimiter(100, 3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.check("1.1.1.1", "alice").allowed).toBe(true);
      l.recordFailure("1.1.1.1", "alice");
      now += 1000;
    }
    const d = l.check("2.2.2.2", "alice");
    expect(d.allowed).toBe(false);
    expect(d.retryAfterSeconds).toBe(57);
    expect(l.check("2.2.2.2", "bob").allowed).toBe(true);
    now = 60_001;
    expect(l.check("2.2.2.2", "alice").allowed).toBe(true);
  });

  it("blocks an address that sprays many usernames", () => {
    const l = new LoginRateLimiter(5, 100, 60_000, () => 0);
    for (let i = 0; i < 5; i++) l.recordFailure("9.9.9.9", `user${i}`);
    expect(l.check("9.9.9.9", "someone-else").allowed).toBe(false);
    expect(l.check("8.8.8.8", "someone-else").allowed).toBe(true);
  });

  it("a success clears the username counter but not the address counter", () => {
    const l = new LoginRateLimiter(3, 2, 60_000, () => 0);
    l.recordFailure("1.1.1.1", "alice");
    l.recordFailure("1.1.1.1", "alice");
    expect(l.check("1.1.1.1", "alice").allowed).toBe(false);
    l.recordSuccess("alice");
    expect(l.check("7.7.7.7", "alice").allowed).toBe(true);
    l.recordFailure("1.1.1.1", "carol");
    expect(l.check("1.1.1.1", "dave").allowed).toBe(false);
  });
});
