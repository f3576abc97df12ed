import type { Migration } from "../db/migrations.js";

/**
 * How long a /present waited for the authoritative servers after its push
 * (APP_PROPAGATION_CHECK, docs/decisions/0108). Null when it did not wait (the check is off, or
 * the entry is not a present). Adds a column to our own table only.
 */
export const auditPropagationMigration: Migration = {
  name: "0008_audit_propagation_wait",
  async up(knex) {
    await knex.raw("ALTER TABLE hlp_audit_log ADD COLUMN IF NOT EXISTS propagation_wait_ms real NULL");
  },
};
