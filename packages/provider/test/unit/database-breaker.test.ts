/**
 * What counts as "the database is down", and the breaker that stops requests trying it: opened by
 * such an error only, closed only by a probe (or a check) that got through.
 */
import { describe, expect, it } from "vitest";
import { DatabaseBreaker, DatabaseDownError, isDatabaseDown } from "../../src/db/reachability.js";
import { toResponseError } from "../../src/http/client-errors.js";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
const shutdown = Object.assign(new Error("terminating connection due to administrator command"), {
  code: "57P01",
});

describe("isDatabaseDown", () => {
  it("recognises socket errors, the driver's and the pool's, and outage SQLSTATEs, through causes", () => {
    expect(isDatabaseDown(refused)).toBe(true);
    expect(isDatabaseDown(shutdown)).toBe(true);
    expect(isDatabaseDown(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isDatabaseDown(Object.assign(new Error("too many clients"), { code: "53300" }))).toBe(true);
    expect(isDatabaseDown(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(
      isDatabaseDown(
        Object.assign(new Error("Knex: Timeout acquiring a connection"), { name: "KnexTimeoutError" }),
      ),
    ).toBe(true);
    expect(isDatabaseDown(new Error("wrapped", { cause: refused }))).toBe(true);
    expect(isDatabaseDown(new AggregateError([refused], "all addresses failed"))).toBe(true);
    expect(isDatabaseDown(new DatabaseDownError(0))).toBe(true);
  });

  it("does not take a programming error or a query the server refused for an outage", () => {
    expect(isDatabaseDown(new TypeError("undefined is not a function"))).toBe(false);
    expect(isDatabaseDown(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseDown(Object.assign(new Error("syntax"), { code: "42601" }))).toBe(false);
    expect(isDatabaseDown(undefined)).toBe(false);
  });

  it("becomes a 503 database_unavailable wherever errors are answered", () => {
    const e = toResponseError(refused);
    expect(e.status).toBe(503);
    expect(e.code).toBe("database_unavailable");
    expect(toResponseError(new TypeError("bug")).status).toBe(500);
  });
});

describe("DatabaseBreaker", () => {
  it("opens on an outage, refuses at once while open, and closes when the probe gets through", async () => {
    let up = false;
    let probes = 0;
    const changes: boolean[] = [];
    const breaker = new DatabaseBreaker({
      probe: async () => {
        probes += 1;
        if (!up) throw refused;
      },
      probeEveryMs: 10,
      onChange: (down) => changes.push(down),
    });
    try {
      breaker.failed(new TypeError("bug"));
      expect(breaker.down).toBe(false);
      let ran = 0;
      await expect(
        breaker.run(async () => {
          ran += 1;
          throw refused;
        }),
      ).rejects.toBe(refused);
      expect(breaker.down).toBe(true);
      await expect(breaker.run(async () => (ran += 1))).rejects.toBeInstanceOf(DatabaseDownError);
      expect(ran).toBe(1);
      await expect.poll(() => probes).toBeGreaterThan(1);
      expect(breaker.down).toBe(true);
      up = true;
      await expect.poll(() => breaker.down).toBe(false);
      expect(await breaker.run(async () => "answered")).toBe("answered");
      expect(changes).toEqual([true, false]);
      // A check that got through closes it without waiting for the probe.
      breaker.failed(shutdown);
      expect(breaker.down).toBe(true);
      breaker.succeeded();
      expect(breaker.down).toBe(false);
    } finally {
      breaker.close();
    }
  });
});
