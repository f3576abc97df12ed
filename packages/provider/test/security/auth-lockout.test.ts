import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KDF_MAX_PER_SOURCE } from "../../src/auth/kdf-gate.js";
import { PAIR_FREE_FAILURES } from "../../src/auth/login-rate-limiter.js";
import type { LoopbackResponse } from "../helpers/service-process.js";
import { ALICE, type AuthService, presentBody, startAuthService } from "./auth-fixture.js";

/**
 * Nobody can lock out somebody else: an attacker guessing alice's password from eight addresses
 * gets 401 then 429, while alice's own client, from an address with no failures, keeps getting 200.
 */
describe("login throttling against the running service", () => {
  let s: AuthService;
  beforeAll(async () => {
    s = await startAuthService("postgresql");
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  const present = (from: string, password: string, value = "v") =>
    s.send("/present", { from, auth: { username: ALICE.username, password }, body: presentBody(value) });

  it("an attack on alice from other addresses never refuses her correct password", async () => {
    expect((await present("127.0.0.10", ALICE.password, "before")).status).toBe(200);

    const attackers = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
    // 14 concurrent wrong passwords from each address, all at once.
    const attack = Promise.all(
      attackers.map((from) =>
        Promise.all(Array.from({ length: 14 }, (_, i) => present(from, `wrong-${from}-${i}`))),
      ),
    );
    const real: LoopbackResponse[] = [];
    let done = false;
    void attack.finally(() => {
      done = true;
    });
    while (!done) {
      real.push(await present("127.0.0.10", ALICE.password, `during-${real.length}`));
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = await attack;
    real.push(await present("127.0.0.10", ALICE.password, "after"));

    expect(real.map((r) => r.status)).toEqual(real.map(() => 200));
    for (const perAddress of results) {
      const statuses = perAddress.map((r) => r.status).sort();
      // Reserved before the KDF await: never more tries than the free failures, even concurrently.
      const tried = statuses.filter((x) => x === 401).length;
      expect(tried).toBeGreaterThan(0);
      expect(tried).toBeLessThanOrEqual(PAIR_FREE_FAILURES);
      expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
      for (const r of perAddress.filter((x) => x.status === 429))
        expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    }
    // A new correct login from yet another clean address works too (no KDF queue hogged).
    expect((await present("127.0.0.11", ALICE.password, "fresh")).status).toBe(200);
  }, 180_000);

  it("acme-dns's /update shares the throttle: guessing alice's key from other addresses never refuses her own", async () => {
    // acme-dns clients send the account as X-Api-User / X-Api-Key and a 43-character digest.
    const update = (from: string, key: string, n: number) =>
      s.send("/update", {
        from,
        headers: { "x-api-user": ALICE.username, "x-api-key": key },
        body: JSON.stringify({
          subdomain: "www.example.test",
          txt: `${String(n).padStart(3, "0")}${"A".repeat(40)}`,
        }),
      });
    expect((await update("127.0.0.12", ALICE.password, 1)).status).toBe(200);
    const attackers = ["127.0.0.13", "127.0.0.14", "127.0.0.15", "127.0.0.16"];
    // A key per address: the same wrong key sent at once from two addresses is one verification,
    // counted once, against the first (a shared guess teaches the attacker nothing twice).
    const results = await Promise.all(
      attackers.map((from) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => update(from, `wrong-${from}-${i}`, i))),
      ),
    );
    for (const perAddress of results) {
      const statuses = perAddress.map((r) => r.status);
      expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
      expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(PAIR_FREE_FAILURES);
      expect(statuses).toContain(429);
    }
    expect((await update("127.0.0.12", ALICE.password, 2)).status).toBe(200);
  }, 180_000);

  it("an address that failed is throttled for that user, even with the right password, without a KDF run", async () => {
    const from = "127.0.0.20";
    for (let i = 0; i < PAIR_FREE_FAILURES; i++) expect((await present(from, `nope-${i}`)).status).toBe(401);
    const refused = await present(from, ALICE.password);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).message).toMatch(/^Too many failed logins: try again in \d+ s$/);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("one address cannot hold more than its share of the KDF queue", async () => {
    // Spraying many names at once from one address: the excess is refused at once with 429.
    const from = "127.0.0.30";
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        s.send("/present", { from, auth: { username: `spray-${i}`, password: "x" }, body: presentBody("v") }),
      ),
    );
    expect(burst.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    const busy = burst.filter((r) => r.status === 429);
    // At most KDF_MAX_PER_SOURCE run or wait at once; the others do not queue.
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeLessThanOrEqual(12 - 1);
    expect(KDF_MAX_PER_SOURCE).toBeLessThan(12);
    for (const r of busy) {
      expect(JSON.parse(r.body).message).toMatch(/^Too many password checks at once: try again in \d+ s$/);
      expect(r.headers["retry-after"]).toBe("1");
    }
  });
});
