import type { Migration } from "../db/migrations.js";

/**
 * Sessions of the admin pages, in the database rather than in memory so that any replica behind
 * the load balancer answers for a session, and logging out ends it everywhere. The id is the
 * SHA-256 of the cookie value: a copy of the table does not let anyone take over a session.
 */
export const adminSessionMigration: Migration = {
  name: "0003_admin_sessions",
  async up(knex) {
    await knex.raw(`
      CREATE TABLE IF NOT EXISTS hlp_admin_session (
        id varchar(64) PRIMARY KEY,
        user_id integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
        csrf_token varchar(64) NOT NULL,
        created_at timestamp with time zone NOT NULL,
        last_seen_at timestamp with time zone NOT NULL,
        expires_at timestamp with time zone NOT NULL,
        flash text NULL
      )`);
    await knex.raw(
      "CREATE INDEX IF NOT EXISTS hlp_admin_session_expires_at_idx ON hlp_admin_session (expires_at)",
    );
  },
};
