import { Writable } from "node:stream";
import { type Logger, pino } from "pino";
import { Accounts } from "../../src/accounts.js";
import { type AdminUi, createAdminUi } from "../../src/admin/admin-router.js";
import type { SessionPolicy } from "../../src/admin/sessions.js";
import { type App, createApp } from "../../src/app.js";
import { AuditLog, type AuditLogOptions } from "../../src/audit/audit-log.js";
import { AuditRepo } from "../../src/audit/audit-repo.js";
import { PasswordLogin } from "../../src/auth/password-login.js";
import { migrate } from "../../src/db/migrations.js";
import { MemoryRecordStore } from "../../src/dns/memory-record-store.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../helpers/databases.js";
import { listenOnLoopback } from "../helpers/server.js";

/** A logger whose lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

export interface AdminHarness {
  readonly t: TestDatabase;
  readonly url: string;
  readonly app: App;
  readonly audit: AuditLog;
  readonly ui: AdminUi;
  readonly store: MemoryRecordStore;
  readonly accounts: Accounts;
  close(): Promise<void>;
}

export const STAFF = { username: "admin", password: "admin-password-123" };
export const PLAIN = { username: "plain", password: "plain-password-123" };

/**
 * The real app with the audit trail and the admin pages on 127.0.0.1, a fresh database with one
 * staff and one ordinary user, and the in-memory record store serving example.com.
 */
export async function startAdminHarness(
  kind: DatabaseKind,
  options: { now?: () => Date; sessionPolicy?: SessionPolicy; audit?: AuditLogOptions; logger?: Logger } = {},
): Promise<AdminHarness> {
  const t = await createTestDatabase(kind);
  await migrate(t.db.knex);
  const accounts = new Accounts(t.db.knex);
  await accounts.createOrUpdateUser(STAFF.username, { password: STAFF.password, staff: true });
  await accounts.createOrUpdateUser(PLAIN.username, { password: PLAIN.password });
  const logger = options.logger ?? pino({ level: "silent" });
  const audit = new AuditLog(new AuditRepo(t.db.knex), logger, options.audit);
  const logins = new PasswordLogin(accounts.users);
  const ui = createAdminUi({
    knex: t.db.knex,
    audit,
    logins,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sessionPolicy ? { sessionPolicy: options.sessionPolicy } : {}),
  });
  const store = new MemoryRecordStore(["example.com"]);
  const app = createApp({
    db: t.db,
    store,
    logger,
    secretKey: "test-secret-key-0123456789",
    audit,
    logins,
    // The tests play the ingress: X-Forwarded-* from loopback is believed here.
    trustedProxies: ["127.0.0.1", "::1"],
    extraRouters: [{ path: "/admin", router: ui.router }],
  });
  const listening = await listenOnLoopback(app.express);
  return {
    t,
    url: listening.url,
    app,
    audit,
    ui,
    store,
    accounts,
    async close() {
      await listening.close();
      await audit.close();
      await t.dispose();
    },
  };
}
