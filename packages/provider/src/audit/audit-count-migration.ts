import type { Migration } from "../db/migrations.js";

/**
 * Aggregated failures (docs/decisions/0711): one audit row may stand for several identical
 * unauthenticated attempts, so it carries how many (`count`) and where they came from (`client`).
 * Adds columns to our own table only; existing rows count once and have no recorded client.
 */
export const auditCountMigration: Migration = {
  name: "0005_audit_count_and_client",
  async up(knex) {
    await knex.raw("ALTER TABLE hlp_audit_log ADD COLUMN IF NOT EXISTS count integer NOT NULL DEFAULT 1");
    await knex.raw("ALTER TABLE hlp_audit_log ADD COLUMN IF NOT EXISTS client text NULL");
  },
};
