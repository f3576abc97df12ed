import { afterEach, describe, expect, it } from "vitest";
import { PRINCIPAL_CHANGE_CHANNEL } from "../../src/auth/principal-change-migration.js";
import type { ChangeSubscription } from "../../src/db/change-feed.js";
import { migrate } from "../../src/db/migrations.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";
import { API_0003, DJANGO_AUTH, DJANGO_HASH } from "../helpers/django-schema.js";

// Writes exactly as the Django app's ORM and admin make them (no ON DELETE CASCADE: it deletes grants first).
const USERS = `
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
  VALUES ('${DJANGO_HASH}', false, 'legacy', '', '', '', false, true, now()),
         ('${DJANGO_HASH}', false, 'other', '', '', '', false, true, now());
INSERT INTO api_domain (fqdn) VALUES ('example.com'), ('example.org');
`;

describe.each(DATABASE_KINDS)("principal change notifications on a Django database on %s", (kind) => {
  let t: TestDatabase | undefined;
  let feed: ChangeSubscription | undefined;
  afterEach(async () => {
    await feed?.close();
    feed = undefined;
    await t?.dispose();
    t = undefined;
  });

  it("name the user every change to a user, a grant or a granted domain concerns, after commit", async () => {
    t = await createTestDatabase(kind);
    const db = t.db;
    await db.knex.raw(DJANGO_AUTH + API_0003);
    await migrate(db.knex);
    await db.knex.raw(USERS);
    const heard: string[] = [];
    let resets = 0;
    feed = await db.listen(PRINCIPAL_CHANGE_CHANNEL, {
      onNotification: (payload) => heard.push(payload),
      onReset: () => {
        resets += 1;
      },
    });
    expect(feed.connected).toBe(true);
    expect(resets).toBe(1);
    const expectHeard = async (sql: string, payloads: string[]) => {
      heard.length = 0;
      await db.knex.raw(sql);
      await expect.poll(() => [...heard].sort(), { timeout: 5_000, interval: 20 }).toEqual(payloads);
    };

    await expectHeard(
      "INSERT INTO api_domainuserpermission (text, domain_id, user_id, access_level) VALUES (NULL, 1, 1, 'domain'), (NULL, 2, 2, 'subdomain')",
      ["user:1", "user:2"],
    );
    await expectHeard("UPDATE auth_user SET password = 'pbkdf2_sha256$1$x$y' WHERE username = 'legacy'", [
      "user:1",
    ]);
    await expectHeard("UPDATE auth_user SET last_login = now() WHERE id = 2", ["user:2"]);
    await expectHeard("UPDATE api_domain SET fqdn = 'renamed.example.org' WHERE id = 2", ["user:2"]);
    // A new domain nobody holds changes no principal.
    await expectHeard("INSERT INTO api_domain (fqdn) VALUES ('unused.example.net')", []);
    await expectHeard(
      "BEGIN; DELETE FROM api_domainuserpermission WHERE domain_id = 1; DELETE FROM api_domain WHERE id = 1; COMMIT",
      ["user:1"],
    );
    // A rolled-back change announces nothing.
    await expectHeard("BEGIN; UPDATE auth_user SET is_active = false WHERE id = 2; ROLLBACK", []);
    await expectHeard("TRUNCATE api_domainuserpermission", ["*"]);
    await expectHeard("DELETE FROM auth_user WHERE id = 2", ["user:2"]);
  });
});
