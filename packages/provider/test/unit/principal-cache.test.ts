/**
 * The principal cache's rules, on an injected clock and a source the test controls: what it
 * answers from memory, what it must read again, and what it answers while the database is down.
 */
import { describe, expect, it } from "vitest";
import { PrincipalCache, type PrincipalSource } from "../../src/auth/principal-cache.js";
import type { ChangeSubscription } from "../../src/db/change-feed.js";
import { isDatabaseDown } from "../../src/db/reachability.js";
import type { UserWithGrants } from "../../src/db/users-repo.js";
import { AppError } from "../../src/errors.js";

function principal(id: number, username: string, domain = "example.com"): UserWithGrants {
  return {
    user: {
      id,
      username,
      password: "pbkdf2_sha256$1$salt$hash",
      email: "",
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      dateJoined: new Date(0),
    },
    grants: [{ domain, accessLevel: "domain" }],
  };
}

/** A database of principals by name that counts reads and can be made unreachable. */
class Table implements PrincipalSource {
  readonly rows = new Map<string, UserWithGrants>();
  reads = 0;
  down = false;
  /** Runs between the read and its answer (a change committed while a lookup is in flight). */
  during: (() => void) | undefined;
  async findWithGrants(username: string): Promise<UserWithGrants | undefined> {
    this.reads += 1;
    if (this.down)
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const row = this.rows.get(username);
    this.during?.();
    this.during = undefined;
    return row;
  }
}

const connected: ChangeSubscription = { connected: true, close: async () => {} };

function setUp(maxStaleMs = 600_000) {
  let now = 1_000_000;
  const table = new Table();
  table.rows.set("alice", principal(1, "alice"));
  const cache = new PrincipalCache(table, { maxStaleMs, ttlMs: 60_000, now: () => now });
  cache.follow(connected);
  return { table, cache, advance: (ms: number) => (now += ms) };
}

describe("PrincipalCache", () => {
  it("answers from memory until a notification names the user, then reads it again", async () => {
    const { table, cache } = setUp();
    await cache.findWithGrants("alice");
    await cache.findWithGrants("alice");
    expect(table.reads).toBe(1);
    table.rows.set("alice", principal(1, "alice", "other.example"));
    cache.onNotification("user:2");
    expect((await cache.findWithGrants("alice"))?.grants[0]?.domain).toBe("example.com");
    cache.onNotification("user:1");
    expect((await cache.findWithGrants("alice"))?.grants[0]?.domain).toBe("other.example");
    expect(table.reads).toBe(2);
  });

  it("does not keep what a lookup read while a change was announced", async () => {
    const { table, cache } = setUp();
    table.during = () => cache.onNotification("user:1");
    await cache.findWithGrants("alice");
    await cache.findWithGrants("alice");
    expect(table.reads).toBe(2);
  });

  it("shares one read among concurrent lookups, but never one that started before a change", async () => {
    const { table, cache } = setUp();
    const first = await Promise.all([1, 2, 3].map(() => cache.findWithGrants("alice")));
    expect(first.every((p) => p?.grants[0]?.domain === "example.com")).toBe(true);
    expect(table.reads).toBe(1);
    cache.onNotification("user:1");
    const before = cache.findWithGrants("alice");
    table.rows.set("alice", principal(1, "alice", "other.example"));
    cache.onNotification("user:1");
    const after = cache.findWithGrants("alice");
    expect((await after)?.grants[0]?.domain).toBe("other.example");
    expect((await before)?.user.username).toBe("alice");
    expect(table.reads).toBe(3);
  });

  it("drops every name a renamed user was cached under", async () => {
    const { table, cache } = setUp();
    await cache.findWithGrants("alice");
    table.rows.set("alice2", principal(1, "alice2"));
    await cache.findWithGrants("alice2");
    cache.onNotification("user:1");
    table.rows.delete("alice");
    expect(await cache.findWithGrants("alice")).toBeUndefined();
  });

  it("trusts nothing read before the feed was reset, and re-reads after the TTL", async () => {
    const { table, cache, advance } = setUp();
    await cache.findWithGrants("alice");
    cache.onReset();
    await cache.findWithGrants("alice");
    expect(table.reads).toBe(2);
    advance(60_000);
    await cache.findWithGrants("alice");
    expect(table.reads).toBe(3);
    cache.onNotification("*");
    expect(cache.size).toBe(0);
  });

  it("serves a principal the database confirmed within maxStale while it is down, and 503 otherwise", async () => {
    const { table, cache, advance } = setUp(600_000);
    await cache.findWithGrants("alice");
    table.down = true;
    cache.onReset();
    advance(599_000);
    expect(await cache.findWithGrants("alice")).toMatchObject({ stale: true, user: { username: "alice" } });
    const unknown = await cache.findWithGrants("bob").catch((err: unknown) => err);
    expect(unknown).toBeInstanceOf(AppError);
    expect((unknown as AppError).status).toBe(503);
    advance(2_000);
    await expect(cache.findWithGrants("alice")).rejects.toMatchObject({ code: "database_unavailable" });
  });
});

describe("isDatabaseDown: an outage, or the database answering the client's own input", () => {
  it.each([
    [{ code: "ECONNREFUSED" }, true],
    [new Error("Knex: Timeout acquiring a connection. The pool is probably full."), true],
    [{ code: "57P01" }, true], // admin_shutdown
    [{ code: "08006" }, true], // connection_failure
    [{ code: "53300" }, true], // too_many_connections
    [{ code: "22021" }, false], // a NUL in a name: the client's input
    [{ code: "42P01" }, false], // undefined_table: a server that answered
    [new TypeError("Cannot read properties of undefined"), false], // our bug, not an outage
  ])("%o → %s", (err, unreachable) => {
    expect(isDatabaseDown(err)).toBe(unreachable);
  });

  it("passes the database's answer to a client's bad input on, instead of calling it an outage", async () => {
    const nul = Object.assign(new Error("invalid byte sequence for encoding UTF8: 0x00"), { code: "22021" });
    const source: PrincipalSource = {
      findWithGrants: () => Promise.reject(nul),
    };
    const cache = new PrincipalCache(source, { maxStaleMs: 600_000 });
    await expect(cache.findWithGrants("a\u0000b")).rejects.toBe(nul);
  });
});
