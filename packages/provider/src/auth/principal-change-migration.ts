import type { Migration } from "../db/migrations.js";

/** The channel every change to a user or its grants is announced on. */
export const PRINCIPAL_CHANGE_CHANNEL = "hlp_principal_change";

/** What a notification on PRINCIPAL_CHANGE_CHANNEL says changed. */
export type PrincipalChange = { readonly userId: number } | { readonly everyone: true };

/** Payloads are `user:<id>` for one user, `*` for everyone (a TRUNCATE); anything else means everyone. */
export function parsePrincipalChange(payload: string): PrincipalChange {
  const m = /^user:(\d+)$/.exec(payload);
  return m?.[1] ? { userId: Number(m[1]) } : { everyone: true };
}

/**
 * Announces every change that can alter a principal (docs/decisions/0007): rows of auth_user and
 * api_domainuserpermission name their user; a renamed or deleted api_domain names every user
 * holding a grant on it; TRUNCATE names everyone. Whoever writes — this service, its CLI, another
 * replica or the Django app — the notification goes out when the transaction commits, so a cache
 * of principals can drop exactly what changed. Plain plpgsql, functions and triggers prefixed hlp_,
 * nothing in the Django tables' columns or constraints changes: the Django app keeps working on a
 * shared database and never sees them.
 */
export const principalChangeNotifyMigration: Migration = {
  name: "0006_principal_change_notify",
  async up(knex) {
    await knex.raw(`
      CREATE OR REPLACE FUNCTION hlp_notify_principal_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        grantee integer;
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', '*');
        ELSIF TG_TABLE_NAME = 'auth_user' THEN
          IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', 'user:' || OLD.id); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', 'user:' || NEW.id); END IF;
        ELSIF TG_TABLE_NAME = 'api_domainuserpermission' THEN
          IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', 'user:' || OLD.user_id); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', 'user:' || NEW.user_id); END IF;
        ELSE
          FOR grantee IN SELECT DISTINCT user_id FROM api_domainuserpermission WHERE domain_id = OLD.id LOOP
            PERFORM pg_notify('${PRINCIPAL_CHANGE_CHANNEL}', 'user:' || grantee);
          END LOOP;
        END IF;
        RETURN NULL;
      END
      $$`);
    const rowTriggers: [table: string, events: string][] = [
      ["auth_user", "INSERT OR UPDATE OR DELETE"],
      ["api_domainuserpermission", "INSERT OR UPDATE OR DELETE"],
      // A new domain changes nobody's grants until a permission names it.
      ["api_domain", "UPDATE OR DELETE"],
    ];
    for (const [table, events] of rowTriggers) {
      await knex.raw(`DROP TRIGGER IF EXISTS hlp_principal_change ON ${table}`);
      await knex.raw(
        `CREATE TRIGGER hlp_principal_change AFTER ${events} ON ${table} FOR EACH ROW EXECUTE FUNCTION hlp_notify_principal_change()`,
      );
      await knex.raw(`DROP TRIGGER IF EXISTS hlp_principal_truncate ON ${table}`);
      await knex.raw(
        `CREATE TRIGGER hlp_principal_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION hlp_notify_principal_change()`,
      );
    }
  },
};
