import { rm } from "node:fs/promises";
import { join } from "node:path";
import knexFactory, { type Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockKey, createAdvisoryLock } from "../../src/dns/advisory-lock.js";
import { createGitRecordStore } from "../../src/dns/git-record-store.js";
import { DnsBackendError } from "../../src/errors.js";
import { PG_ADMIN_URL } from "../helpers/databases.js";
import { makeBareRepo, makeTempDir, remoteFile, silentLogger } from "./git-fixtures.js";

const dbName = `hlp_lock_test_${process.pid}_${Date.now()}`;
let admin: Knex;
let db: Knex;
let scratch: string;

beforeAll(async () => {
  admin = knexFactory({ client: "pg", connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  db = knexFactory({ client: "pg", connection: url.toString(), pool: { min: 0, max: 8 } });
  scratch = await makeTempDir("git-lock-");
});
afterAll(async () => {
  await db?.destroy();
  await admin?.raw(`drop database if exists ${dbName} with (force)`);
  await admin?.destroy();
  await rm(scratch, { recursive: true, force: true });
});

describe("PostgreSQL advisory lock", () => {
  it("derives a stable signed 64-bit key per name", () => {
    expect(advisoryLockKey("a")).toBe(advisoryLockKey("a"));
    expect(advisoryLockKey("a")).not.toBe(advisoryLockKey("b"));
    const n = BigInt(advisoryLockKey("file:///srv/dns.git"));
    expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
  });

  it("lets only one holder in at a time across connections", async () => {
    const locks = [0, 1, 2].map(() => createAdvisoryLock(db, "repo-x"));
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      locks.flatMap((lock) =>
        [0, 1, 2].map(() =>
          lock.withLock(async () => {
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            await new Promise((r) => setTimeout(r, 20));
            inside -= 1;
          }),
        ),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it("releases the lock when the holder fails, and times out waiters with a clear error", async () => {
    const lock = createAdvisoryLock(db, "repo-y", { timeoutMs: 200 });
    await expect(lock.withLock(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.withLock(async () => "free again")).resolves.toBe("free again");
    let release: () => void = () => {};
    const held = lock.withLock(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    const err = await lock.withLock(async () => "never").catch((e: unknown) => e);
    release();
    await held;
    expect(err).toBeInstanceOf(DnsBackendError);
    expect((err as Error).message).toMatch(/held the DNS repository lock/);
  });

  it("serialises three stores so none of their pushes is rejected", async () => {
    const bare = await makeBareRepo(scratch, ["example.com"], "locked.git");
    const rejected: number[] = [];
    const stores = [0, 1, 2].map((i) =>
      createGitRecordStore({
        repo: `file://${bare}`,
        dataDir: join(scratch, `locked-${i}`),
        logger: silentLogger,
        lock: createAdvisoryLock(db, `file://${bare}`),
        onBatch: (t) => rejected.push(t.attempts - 1),
      }),
    );
    await Promise.all(stores.map((s) => s.start()));
    const values = Array.from({ length: 45 }, (_, i) => `locked-${i}`);
    await Promise.all(values.map((v, i) => stores[i % 3]?.present(`_acme-challenge.h${i}.example.com`, v)));
    await Promise.all(stores.map((s) => s.close()));
    const text = await remoteFile(bare, "example.com.domain");
    for (const v of values) expect(text).toContain(`"${v}"`);
    // Inside the lock a store may still find the remote moved (one fetch), never a storm of retries.
    expect(Math.max(...rejected)).toBeLessThanOrEqual(1);
  });
});
