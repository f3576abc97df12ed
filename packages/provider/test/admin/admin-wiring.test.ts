import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminServices } from "../../src/admin/admin-wiring.js";
import { adminEntry } from "../../src/audit/audit-entry.js";
import { AUDIT_TABLE, AuditRepo } from "../../src/audit/audit-repo.js";
import { PasswordLogin } from "../../src/auth/password-login.js";
import { migrate } from "../../src/db/migrations.js";
import { UsersRepo } from "../../src/db/users-repo.js";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";

describe("the admin services as the service wires them (PostgreSQL)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgresql");
    await migrate(t.db.knex);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("prunes past retention at start, mounts /admin, and writes queued entries at close", async () => {
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await new AuditRepo(t.db.knex).insert([
      adminEntry({
        source: "admin-ui",
        actor: "admin",
        action: "user.create",
        detail: "ancient",
        now: longAgo,
      }),
    ]);
    const registry = new Registry();
    const services = startAdminServices({
      knex: t.db.knex,
      logger: pino({ level: "silent" }),
      registry,
      auditRetentionDays: 30,
      logins: new PasswordLogin(new UsersRepo(t.db.knex)),
    });
    expect(services.extraRouters.map((r) => r.path)).toEqual(["/admin"]);
    const details = async () => (await t.db.knex(AUDIT_TABLE).pluck("detail")) as string[];
    await expect.poll(details, { timeout: 5000 }).toEqual([]);
    services.audit.record(
      adminEntry({ source: "admin-api", actor: "admin", action: "user.delete", detail: "fresh" }),
    );
    await services.close();
    expect(await details()).toEqual(["fresh"]);
    expect(await registry.metrics()).toContain("hlp_audit_pending");
  });
});
