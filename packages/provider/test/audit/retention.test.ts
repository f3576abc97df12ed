import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { SessionStore } from "../../src/admin/sessions.js";
import { type AuditEntry, adminEntry } from "../../src/audit/audit-entry.js";
import { AUDIT_TABLE, AuditRepo } from "../../src/audit/audit-repo.js";
import { AuditRetention, retentionCutoff } from "../../src/audit/retention.js";
import { migrate } from "../../src/db/migrations.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";

const DAY = 24 * 3600 * 1000;
const NOW = new Date("2026-06-01T12:00:00Z");

function entryAt(daysAgo: number, detail: string): AuditEntry {
  return adminEntry({
    source: "admin-ui",
    actor: "admin",
    action: "user.create",
    detail,
    now: new Date(NOW.getTime() - daysAgo * DAY),
  });
}

describe("retention cutoff", () => {
  it("is the given number of whole days before now", () => {
    expect(retentionCutoff(NOW, 90).toISOString()).toBe("2026-03-03T12:00:00.000Z");
  });
});

describe.each(DATABASE_KINDS)("audit retention pruning on %s", (kind) => {
  let t: TestDatabase;
  let repo: AuditRepo;
  const logger = pino({ level: "silent" });

  const details = async () =>
    (await t.db.knex(AUDIT_TABLE).select("detail").orderBy("id")).map((r: { detail: string }) => r.detail);

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await migrate(t.db.knex);
    repo = new AuditRepo(t.db.knex);
  });
  beforeEach(async () => {
    await t.db.knex(AUDIT_TABLE).delete();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("deletes only records older than the retention period", async () => {
    await repo.insert([
      entryAt(120, "old"),
      entryAt(90.01, "just past"),
      entryAt(89.99, "just kept"),
      entryAt(0, "new"),
    ]);
    const retention = new AuditRetention(repo, logger, { retentionDays: 90, now: () => NOW });
    expect(await retention.runOnce()).toBe(2);
    expect(await details()).toEqual(["just kept", "new"]);
    expect(await retention.runOnce()).toBe(0);
  });

  it("works through a large backlog in bounded batches", async () => {
    await repo.insert(Array.from({ length: 1203 }, (_, i) => entryAt(200 + i / 1000, `old ${i}`)));
    await repo.insert([entryAt(1, "recent")]);
    expect(await repo.deleteOlderThan(retentionCutoff(NOW, 30), 100)).toBe(1203);
    expect(await details()).toEqual(["recent"]);
  });

  it("prunes in the background at start and on every interval, and stops cleanly", async () => {
    let clock = NOW.getTime();
    const retention = new AuditRetention(repo, logger, {
      retentionDays: 7,
      intervalMs: 50,
      now: () => new Date(clock),
    });
    await repo.insert([entryAt(8, "stale at start"), entryAt(6, "stale a day later")]);
    retention.start();
    try {
      await expect.poll(details, { timeout: 5000 }).toEqual(["stale a day later"]);
      clock += DAY + 1000;
      await expect.poll(details, { timeout: 5000 }).toEqual([]);
    } finally {
      await retention.stop();
    }
  });

  it("also removes expired admin sessions on the same schedule", async () => {
    const accounts = new Accounts(t.db.knex);
    const { user } = await accounts.createOrUpdateUser(`staff${Date.now()}`, {
      password: "pw-123456",
      staff: true,
    });
    const sessions = new SessionStore(t.db.knex, { idleMs: 60_000, absoluteMs: 3600_000 });
    const old = await sessions.create(user.id, new Date(NOW.getTime() - 2 * 60_000));
    const live = await sessions.create(user.id, NOW);
    const retention = new AuditRetention(repo, logger, {
      retentionDays: 90,
      now: () => NOW,
      extraTasks: [{ name: "sessions", run: (now) => sessions.deleteExpired(now) }],
    });
    await retention.runOnce();
    const ids = (await t.db.knex("hlp_admin_session").select("id")).map((r: { id: string }) => r.id);
    expect(ids).toEqual([live.session.id]);
    expect(ids).not.toContain(old.session.id);
  });
});
