/**
 * The replicas' change queue and writer lease on a real PostgreSQL database (decision 0109):
 * what the writer answers reaches the waiter with the same status and message, a new writer
 * takes over exactly what its predecessor left unanswered, and the lease passes on when its
 * holder's connection ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrations.js";
import { advisoryLockKey } from "../../src/dns/advisory-lock-key.js";
import {
  ChangeQueue,
  failureAnswer,
  parseAnsweredNotice,
  parseQueuedNotice,
  QUEUED_CHANNEL,
  successAnswer,
} from "../../src/dns/change-queue.js";
import { WriterLease } from "../../src/dns/writer-lease.js";
import { type AppError, DnsBackendError, ZoneNotConfiguredError } from "../../src/errors.js";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase("postgresql");
  await migrate(t.db.knex);
});

afterAll(async () => {
  await t?.dispose();
});

function queue(name: string): ChangeQueue {
  return new ChangeQueue(t.db.knex, advisoryLockKey(name));
}

describe("the change queue", () => {
  it("gives the waiter the writer's outcome: commit, or the same error status and message", async () => {
    const q = queue("outcomes");
    const ok = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.a.example.test", value: "v1" });
    const zone = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.b.nowhere.test", value: "v2" });
    const hook = await q.enqueue({
      kind: "cleanup",
      fqdn: "_acme-challenge.c.example.test",
      value: undefined,
    });
    const claimed = await q.claim(10);
    expect(claimed.map((c) => c.id)).toEqual([ok, zone, hook]);
    expect(claimed[2]?.change).toEqual({
      kind: "cleanup",
      fqdn: "_acme-challenge.c.example.test",
      value: undefined,
    });

    const refusal = new DnsBackendError("the server refused the push: pre-receive hook declined (frozen)");
    await q.answer([
      successAnswer(ok, { commit: "a".repeat(40) }),
      failureAnswer(zone, new ZoneNotConfiguredError("_acme-challenge.b.nowhere.test")),
      failureAnswer(hook, refusal),
    ]);
    const outcomes = await q.collect([ok, zone, hook]);
    expect(outcomes.get(ok)).toEqual({ commit: "a".repeat(40) });
    const zoneError = outcomes.get(zone) as AppError;
    expect(zoneError).toBeInstanceOf(ZoneNotConfiguredError);
    expect(zoneError.status).toBe(422);
    const hookError = outcomes.get(hook) as AppError;
    expect(hookError).toBeInstanceOf(DnsBackendError);
    expect(hookError.status).toBe(502);
    expect(hookError.message).toBe(refusal.message);
    // Collected rows are gone: nothing is answered twice.
    expect((await q.collect([ok, zone, hook])).size).toBe(0);
  });

  it("lets a new writer re-apply, in order, only what its predecessor claimed and never answered", async () => {
    const q = queue("takeover");
    const ids: string[] = [];
    for (const value of ["one", "two", "three"]) {
      ids.push(await q.enqueue({ kind: "present", fqdn: "_acme-challenge.t.example.test", value }));
    }
    await q.claim(10);
    await q.answer([successAnswer(ids[0] as string, { commit: undefined })]);
    // The writer dies here; the next one takes back the two unanswered changes.
    expect(await q.requeueClaimed()).toBe(2);
    const again = await q.claim(10);
    expect(again.map((c) => c.id)).toEqual(ids.slice(1));
    expect(again.map((c) => (c.change.kind === "present" ? c.change.value : ""))).toEqual(["two", "three"]);
  });

  it("takes back a change no writer claimed, and says when the writer has it or it is gone", async () => {
    const q = queue("withdraw");
    const waiting = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.w.example.test", value: "w1" });
    expect(await q.withdraw(waiting)).toBe("withdrawn");
    expect(await q.claim(10)).toEqual([]);
    const taken = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.w.example.test", value: "w2" });
    await q.claim(10);
    expect(await q.withdraw(taken)).toBe("claimed");
    await q.forget([taken]);
    expect(await q.withdraw(taken)).toBe("gone");
  });

  it("queues many changes in one insert, in order, and deletes delivered answers with it", async () => {
    const q = queue("many");
    const first = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.m.example.test", value: "m0" });
    const changes = Array.from({ length: 120 }, (_, i) => ({
      kind: "present" as const,
      fqdn: `_acme-challenge.m${i}.example.test`,
      value: `v${i}`.padEnd(200, "x"),
    }));
    const ids = await q.enqueueMany(changes, [first]);
    expect(ids).toHaveLength(120);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(ids);
    expect(await q.withdraw(first)).toBe("gone");
    const claimed = await q.claim(500);
    expect(claimed.map((c) => c.id)).toEqual(ids);
    expect(claimed.map((c) => c.change)).toEqual(changes);
  });

  it("keeps each repository's changes apart", async () => {
    const a = queue("repo-a");
    const b = queue("repo-b");
    const id = await a.enqueue({ kind: "present", fqdn: "_acme-challenge.x.example.test", value: "x" });
    expect(await b.claim(10)).toEqual([]);
    expect((await a.claim(10)).map((c) => c.id)).toEqual([id]);
  });

  it("reads only well-formed notices of its own repository", () => {
    const repo = advisoryLockKey("notices");
    const notice = { repo, changes: [["7", "present", "_acme-challenge.n.example.test", "n"]] };
    expect(parseQueuedNotice(JSON.stringify(notice), repo)).toEqual([
      { id: "7", change: { kind: "present", fqdn: "_acme-challenge.n.example.test", value: "n" } },
    ]);
    // A replica of the previous version sends one change per notification.
    const single = { repo, id: "8", kind: "cleanup", fqdn: "_acme-challenge.n.example.test", value: null };
    expect(parseQueuedNotice(JSON.stringify(single), repo)).toEqual([
      { id: "8", change: { kind: "cleanup", fqdn: "_acme-challenge.n.example.test", value: undefined } },
    ]);
    expect(parseQueuedNotice(JSON.stringify({ ...notice, repo: "other" }), repo)).toEqual([]);
    expect(
      parseQueuedNotice(
        JSON.stringify({ repo, changes: [["9", "drop", "_acme-challenge.x.test", "v"]] }),
        repo,
      ),
    ).toEqual([]);
    expect(parseQueuedNotice("not json", repo)).toEqual([]);
    expect(parseAnsweredNotice(JSON.stringify({ repo, ok: [["7", null]], failed: [] }), repo)).toEqual({
      repo,
      ok: [["7", null]],
      failed: [],
    });
  });
});

describe("the writer lease", () => {
  it("is held by one replica at a time and passes on when the holder's connection ends", async () => {
    const url = t.url as string;
    const lockKey = advisoryLockKey("lease-test");
    const heard: string[] = [];
    const lease = (): WriterLease =>
      new WriterLease({
        url,
        lockKey,
        waiterChannels: [],
        writerChannels: [QUEUED_CHANNEL],
        onNotification: (_channel, payload) => heard.push(payload),
        onLost: () => undefined,
      });
    const first = lease();
    const second = lease();
    try {
      expect(await first.tryAcquire()).toBe(true);
      expect(await second.tryAcquire()).toBe(false);
      // The holder's session ends (a crash looks the same to PostgreSQL): the lock is free.
      await first.close();
      expect(await second.tryAcquire()).toBe(true);
      expect(second.holding).toBe(true);

      const q = queue("lease-test");
      const id = await q.enqueue({ kind: "present", fqdn: "_acme-challenge.l.example.test", value: "l" });
      await expect.poll(() => heard.length).toBe(1);
      expect(parseQueuedNotice(heard[0] as string, q.repo).map((c) => c.id)).toEqual([id]);
      // Many changes in one insert: as many notifications as fit in NOTIFY's 8000 bytes, all of them.
      heard.length = 0;
      const many = Array.from({ length: 120 }, (_, i) => ({
        kind: "present" as const,
        fqdn: `_acme-challenge.l${i}.example.test`,
        value: `l${i}`.padEnd(200, "x"),
      }));
      const ids = await q.enqueueMany(many);
      const arrived = (): string[] => heard.flatMap((p) => parseQueuedNotice(p, q.repo).map((c) => c.id));
      await expect.poll(() => arrived().length).toBe(120);
      expect(arrived()).toEqual(ids);
      expect(heard.length).toBeGreaterThan(1);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
