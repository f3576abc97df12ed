import { describe, expect, it } from "vitest";
import { KdfBusyError, KdfGate } from "../../src/auth/kdf-gate.js";
import { type LoginAdmission, LoginRateLimiter } from "../../src/auth/login-rate-limiter.js";
import { LruMap } from "../../src/auth/lru-map.js";

describe("LruMap", () => {
  const cases: { name: string; ops: (m: LruMap<string, number>) => void; keys: string[] }[] = [
    {
      name: "keeps at most maxEntries",
      ops: (m) => {
        for (const [i, k] of ["a", "b", "c", "d"].entries()) m.set(k, i);
      },
      keys: ["c", "d"],
    },
    {
      name: "get marks an entry as recently used",
      ops: (m) => {
        m.set("a", 1);
        m.set("b", 2);
        m.get("a");
        m.set("c", 3);
      },
      keys: ["a", "c"],
    },
    {
      name: "peek does not",
      ops: (m) => {
        m.set("a", 1);
        m.set("b", 2);
        m.peek("a");
        m.set("c", 3);
      },
      keys: ["b", "c"],
    },
    {
      name: "set of an existing key refreshes it",
      ops: (m) => {
        m.set("a", 1);
        m.set("b", 2);
        m.set("a", 9);
        m.set("c", 3);
      },
      keys: ["a", "c"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = new LruMap<string, number>(2);
      c.ops(m);
      expect(m.size).toBe(c.keys.length);
      for (const k of c.keys) expect(m.peek(k)).toBeDefined();
    });
  }
});

/** Small numbers so each rule shows in a few steps. */
const SETTINGS = {
  pairFreeFailures: 3,
  pairBackoffBaseMs: 1000,
  pairBackoffMaxMs: 8000,
  pairForgetAfterMs: 60_000,
  addressFailuresPerWindow: 6,
  addressWindowMs: 30_000,
  maxTrackedPairs: 100,
  maxTrackedAddresses: 100,
};

function limiter(overrides: Partial<typeof SETTINGS> = {}) {
  const clock = { t: 0 };
  return { clock, l: new LoginRateLimiter({ ...SETTINGS, ...overrides }, () => clock.t) };
}

function fail(l: LoginRateLimiter, address: string, username: string): void {
  const d = l.begin(address, username);
  if (!d.allowed) throw new Error(`refused ${address} ${username}`);
  d.attempt.failed();
}

const retry = (d: LoginAdmission) => (d.allowed ? 0 : d.retryAfterSeconds);

describe("LoginRateLimiter", () => {
  it("gives each (address, username) its free failures, then an exponential backoff", () => {
    const { clock, l } = limiter({ addressFailuresPerWindow: 100 });
    for (let i = 0; i < 3; i++) fail(l, "10.0.0.1", "alice");
    // Table: time of the next try → expected Retry-After (0: allowed, then failed again).
    const steps: [number, number][] = [
      [0, 1],
      [1000, 0], // 4th failure → 2 s
      [2000, 1],
      [3000, 0], // 5th → 4 s
      [6000, 1],
      [7000, 0], // 6th → 8 s (the maximum)
      [14_000, 1],
      [15_000, 0], // 7th → still 8 s
      [22_999, 1],
      [23_000, 0],
    ];
    for (const [t, expected] of steps) {
      clock.t = t;
      const d = l.begin("10.0.0.1", "alice");
      expect([t, retry(d)]).toEqual([t, expected]);
      if (d.allowed) d.attempt.failed();
    }
  });

  it("never refuses another address because of one address's failures", () => {
    const { l } = limiter();
    for (let i = 0; i < 3; i++) fail(l, "10.0.0.1", "alice");
    expect(l.begin("10.0.0.1", "alice").allowed).toBe(false);
    const other = l.begin("10.0.0.2", "alice");
    expect(other.allowed).toBe(true);
  });

  it("a success resets the pair but not the address", () => {
    const { l } = limiter();
    for (let i = 0; i < 2; i++) fail(l, "10.0.0.1", "alice");
    const ok = l.begin("10.0.0.1", "alice");
    if (!ok.allowed) throw new Error("refused");
    ok.attempt.succeeded();
    for (let i = 0; i < 2; i++) fail(l, "10.0.0.1", "alice");
    const again = l.begin("10.0.0.1", "alice");
    expect(again.allowed).toBe(true);
    if (again.allowed) again.attempt.released();
    // 4 failures at the address so far; 2 more across other names close it (limit 6).
    fail(l, "10.0.0.1", "bob");
    fail(l, "10.0.0.1", "carol");
    const d = l.begin("10.0.0.1", "dave");
    expect(d.allowed ? undefined : d.scope).toBe("address");
  });

  it("closes an address that sprays many usernames until its oldest failure leaves the window", () => {
    const { clock, l } = limiter();
    for (let i = 0; i < 6; i++) {
      clock.t = i * 1000;
      fail(l, "10.0.0.9", `user${i}`);
    }
    clock.t = 10_000;
    expect(retry(l.begin("10.0.0.9", "someone"))).toBe(20);
    expect(l.begin("10.0.0.8", "someone").allowed).toBe(true);
    clock.t = 30_000;
    expect(l.begin("10.0.0.9", "someone").allowed).toBe(true);
  });

  it("reserves before the password check: a concurrent burst gets only the free attempts", () => {
    const { l } = limiter();
    const admitted = Array.from({ length: 14 }, () => l.begin("10.0.0.1", "alice")).filter((d) => d.allowed);
    expect(admitted).toHaveLength(3);
  });

  it("a burst across usernames from one address gets only the address's budget", () => {
    const { l } = limiter();
    const admitted = Array.from({ length: 20 }, (_, i) => l.begin("10.0.0.1", `u${i}`)).filter(
      (d) => d.allowed,
    );
    expect(admitted).toHaveLength(6);
  });

  it("a released reservation counts for nothing", () => {
    const { l } = limiter();
    for (let i = 0; i < 10; i++) {
      const d = l.begin("10.0.0.1", "alice");
      if (!d.allowed) throw new Error("refused");
      d.attempt.released();
    }
    expect(l.tracked).toEqual({ pairs: 0, addresses: 0 });
  });

  it("settling twice counts once", () => {
    const { l } = limiter();
    const d = l.begin("10.0.0.1", "alice");
    if (!d.allowed) throw new Error("refused");
    d.attempt.failed();
    d.attempt.failed();
    d.attempt.released();
    fail(l, "10.0.0.1", "alice");
    expect(l.begin("10.0.0.1", "alice").allowed).toBe(true);
  });

  it("forgets a quiet pair", () => {
    const { clock, l } = limiter();
    for (let i = 0; i < 5; i++) {
      clock.t = i * 10_000;
      const d = l.begin("10.0.0.1", "alice");
      if (d.allowed) d.attempt.failed();
    }
    clock.t += 60_000;
    expect(l.begin("10.0.0.1", "alice").allowed).toBe(true);
  });

  it("stays bounded whatever the keys", () => {
    const { l } = limiter();
    for (let i = 0; i < 1000; i++) fail(l, `10.0.${i >> 8}.${i & 255}`, `user-${i}`);
    expect(l.tracked.pairs).toBeLessThanOrEqual(100);
    expect(l.tracked.addresses).toBeLessThanOrEqual(100);
  });
});

describe("KdfGate", () => {
  const deferred = () => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  };

  it("runs at most maxConcurrent at once, queues up to maxWaiting, refuses the rest", async () => {
    const gate = new KdfGate({ maxConcurrent: 2, maxWaiting: 2, maxPerSource: 10 });
    const release = deferred();
    let active = 0;
    let peak = 0;
    const job = async () => {
      active += 1;
      peak = Math.max(peak, active);
      await release.promise;
      active -= 1;
      return true;
    };
    const runs = Array.from({ length: 5 }, (_, i) => gate.run(`s${i}`, job));
    const settled = Promise.allSettled(runs);
    await new Promise((r) => setTimeout(r, 10));
    expect(gate.load).toEqual({ running: 2, waiting: 2 });
    release.resolve();
    const results = await settled;
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason instanceof KdfBusyError).toBe(true);
    expect(peak).toBe(2);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it("one source holds at most maxPerSource places, so others still get in", async () => {
    const gate = new KdfGate({ maxConcurrent: 1, maxWaiting: 10, maxPerSource: 2 });
    const release = deferred();
    const job = () => release.promise.then(() => true);
    const a = [gate.run("attacker", job), gate.run("attacker", job)];
    await expect(gate.run("attacker", job)).rejects.toBeInstanceOf(KdfBusyError);
    const b = gate.run("client", job);
    release.resolve();
    await expect(Promise.all([...a, b])).resolves.toEqual([true, true, true]);
  });

  it("frees its place when the KDF throws", async () => {
    const gate = new KdfGate({ maxConcurrent: 1, maxWaiting: 0, maxPerSource: 1 });
    await expect(gate.run("s", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(gate.run("s", async () => 1)).resolves.toBe(1);
  });
});
