import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../src/db/migrations.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";

const DJANGO_TABLES = ["auth_user", "api_domain", "api_domainuserpermission"];

async function describeTables(t: TestDatabase, tables: readonly string[]) {
  const r = await t.db.knex.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(?)
      ORDER BY table_name, ordinal_position`,
    [[...tables]],
  );
  const constraints = await t.db.knex.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid::regclass::text = ANY(?) ORDER BY 1, 2`,
    [[...tables]],
  );
  return { columns: r.rows, constraints: constraints.rows };
}

describe.each(DATABASE_KINDS)("the audit, session and change-notification migrations on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("only add tables of their own: Django's tables stay exactly as they were", async () => {
    const [django, ...ours] = MIGRATIONS;
    const names = [
      "0002_audit_log",
      "0003_admin_sessions",
      "0004_used_refresh_tokens",
      "0005_audit_count_and_client",
      "0006_principal_change_notify",
      "0007_record_change_queue",
      "0008_audit_propagation_wait",
      "0009_acmedns_values",
    ];
    expect(ours.map((m) => m.name)).toEqual(names);
    await migrate(t.db.knex, django ? [django] : []);
    const before = await describeTables(t, DJANGO_TABLES);
    expect(await migrate(t.db.knex)).toEqual(names);
    expect(await describeTables(t, DJANGO_TABLES)).toEqual(before);
    const own = [
      "hlp_audit_log",
      "hlp_admin_session",
      "hlp_used_refresh_token",
      "hlp_record_change",
      "hlp_acmedns_value",
    ];
    const ownTables = await describeTables(t, own);
    expect(new Set(ownTables.columns.map((c) => c.table_name))).toEqual(new Set(own));
    expect(await migrate(t.db.knex)).toEqual([]);
  });
});
