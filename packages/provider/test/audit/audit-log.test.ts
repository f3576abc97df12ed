import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { adminEntry } from "../../src/audit/audit-entry.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import { AUDIT_TABLE, AuditRepo } from "../../src/audit/audit-repo.js";
import type { ChallengeEvent } from "../../src/challenge/challenge-event.js";
import { migrate } from "../../src/db/migrations.js";
import { capturingLogger } from "../admin/harness.js";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";

const event = (n: number): ChallengeEvent => ({
  action: "present",
  username: "alice",
  userId: 1,
  fqdn: `_acme-challenge.host${n}.example.com`,
  outcome: "ok",
  status: 200,
  commit: "a".repeat(40),
  durationMs: 12.345,
  message: undefined,
});

const count = async (t: TestDatabase) => Number((await t.db.knex(AUDIT_TABLE).count({ n: "*" }))[0]?.n);

describe("the audit writer on PostgreSQL", () => {
  let t: TestDatabase;
  let repo: AuditRepo;

  beforeAll(async () => {
    t = await createTestDatabase("postgresql");
    await migrate(t.db.knex);
    repo = new AuditRepo(t.db.knex);
  });
  beforeEach(async () => {
    await t.db.knex(AUDIT_TABLE).delete();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("takes a challenge without touching the database, then writes it within the flush interval", async () => {
    const { logger } = capturingLogger();
    const log = new AuditLog(repo, logger, { flushIntervalMs: 20 });
    log.onChallenge(event(1));
    expect(log.pendingCount).toBe(1);
    expect(await count(t)).toBe(0);
    await expect.poll(() => count(t), { timeout: 5000 }).toBe(1);
    const row = await t.db.knex(AUDIT_TABLE).first();
    expect(row).toMatchObject({
      actor: "alice",
      action: "present",
      outcome: "ok",
      status: 200,
      commit_id: "a".repeat(40),
    });
    expect(row.duration_ms).toBeCloseTo(12.3, 5);
    await log.close();
  });

  it("writes a burst in a few batched statements, keeping the order", async () => {
    const { logger } = capturingLogger();
    const log = new AuditLog(repo, logger, { flushIntervalMs: 10_000, batchSize: 400 });
    for (let i = 0; i < 1000; i++) log.onChallenge(event(i));
    await log.flush();
    expect(await count(t)).toBe(1000);
    const fqdns = (await t.db.knex(AUDIT_TABLE).select("fqdn").orderBy("id")).map(
      (r: { fqdn: string }) => r.fqdn,
    );
    expect(fqdns[0]).toBe("_acme-challenge.host0.example.com");
    expect(fqdns[999]).toBe("_acme-challenge.host999.example.com");
    await log.close();
  });

  it("keeps entries while the database refuses writes, logs the failure and writes them once it recovers", async () => {
    const { logger, lines } = capturingLogger();
    const registry = new Registry();
    const log = new AuditLog(repo, logger, { flushIntervalMs: 20, maxRetryDelayMs: 100, registry });
    await t.db.knex.raw(`ALTER TABLE ${AUDIT_TABLE} RENAME TO hlp_audit_log_away`);
    try {
      log.onChallenge(event(1));
      log.onChallenge(event(2));
      await expect
        .poll(() => lines.some((l) => String(l.msg).startsWith("audit: could not write")), { timeout: 5000 })
        .toBe(true);
      expect(log.pendingCount).toBe(2);
      expect(await registry.getSingleMetricAsString("hlp_audit_pending")).toContain("hlp_audit_pending 2");
      log.onChallenge(event(3));
    } finally {
      await t.db.knex.raw(`ALTER TABLE hlp_audit_log_away RENAME TO ${AUDIT_TABLE}`);
    }
    await expect.poll(() => count(t), { timeout: 5000 }).toBe(3);
    expect(lines.some((l) => l.msg === "audit: database writes work again")).toBe(true);
    const fqdns = (await t.db.knex(AUDIT_TABLE).select("fqdn").orderBy("id")).map(
      (r: { fqdn: string }) => r.fqdn,
    );
    expect(fqdns).toEqual([1, 2, 3].map((n) => `_acme-challenge.host${n}.example.com`));
    expect(await registry.getSingleMetricAsString("hlp_audit_write_failures_total")).not.toContain(
      "hlp_audit_write_failures_total 0",
    );
    await log.close();
  });

  it("never drops an entry silently: overflow and shutdown failures go to the error log in full", async () => {
    const { logger, lines } = capturingLogger();
    const log = new AuditLog(repo, logger, { flushIntervalMs: 10_000, maxPending: 3 });
    await t.db.knex.raw(`ALTER TABLE ${AUDIT_TABLE} RENAME TO hlp_audit_log_away`);
    try {
      for (let i = 1; i <= 5; i++)
        log.record(
          adminEntry({ source: "admin-ui", actor: "admin", action: "user.create", detail: `user ${i}` }),
        );
      expect(log.pendingCount).toBe(3);
      await log.close();
    } finally {
      await t.db.knex.raw(`ALTER TABLE hlp_audit_log_away RENAME TO ${AUDIT_TABLE}`);
    }
    const spilled = lines
      .filter((l) => l.audit !== undefined)
      .map((l) => (l.audit as { detail: string }).detail);
    expect(spilled.sort()).toEqual(["user 1", "user 2", "user 3", "user 4", "user 5"]);
    expect(lines.filter((l) => l.audit !== undefined).every((l) => l.level === 50)).toBe(true);
  });
});
