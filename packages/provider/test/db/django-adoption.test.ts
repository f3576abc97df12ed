import { afterEach, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { verifyPassword } from "../../src/auth/django-password.js";
import { canManage } from "../../src/challenge/permission.js";
import { MIGRATIONS, migrate } from "../../src/db/migrations.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";
import { API_0001, API_0003, DJANGO_AUTH, DJANGO_HASH } from "../helpers/django-schema.js";

// Rows as the Django app leaves them: two users, two domains, two grants for "legacy".
const ROWS = `
INSERT INTO django_migrations (app, name, applied) VALUES ('api', '0001_initial', now()),
  ('api', '0002_migrate_domain_and_domainuserpermission_table', now());
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
  VALUES ('${DJANGO_HASH}', false, 'legacy', '', '', 'legacy@example.com', false, true, now()),
         ('${DJANGO_HASH}', true, 'admin', '', '', '', true, true, now());
INSERT INTO api_domain (fqdn) VALUES ('example.com'), ('_acme-challenge.old.example.org');
`;
const GRANTS_0001 = `INSERT INTO api_domainuserpermission (text, domain_id, user_id) VALUES ('granted by hand', 1, 1), ('', 2, 1);`;
const GRANTS_0003 = `INSERT INTO api_domainuserpermission (text, domain_id, user_id, access_level)
  VALUES (NULL, 1, 1, 'domain'), (NULL, 2, 1, 'subdomain');`;

describe.each(DATABASE_KINDS)("adopting a Django database on %s", (kind) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("at the old schema (before access_level): adds it as Django's 0003 did, keeps users, grants, passwords", async () => {
    t = await createTestDatabase(kind);
    await t.db.knex.raw(DJANGO_AUTH + API_0001 + ROWS + GRANTS_0001);
    expect(await migrate(t.db.knex)).toEqual(MIGRATIONS.map((m) => m.name));

    const accounts = new Accounts(t.db.knex);
    const legacy = await accounts.users.findWithGrants("legacy");
    expect(legacy?.user.email).toBe("legacy@example.com");
    expect(await verifyPassword("correct horse", legacy?.user.password ?? "")).toBe(true);
    // Old grants become exact-domain grants; the _acme-challenge. prefix is stripped from names.
    expect(legacy?.grants.sort((a, b) => a.domain.localeCompare(b.domain))).toEqual([
      { domain: "example.com", accessLevel: "domain" },
      { domain: "old.example.org", accessLevel: "domain" },
    ]);
    expect(canManage("_acme-challenge.example.com", legacy?.grants ?? [])).toBe(true);
    const cols = await t.db.knex("api_domainuserpermission").columnInfo();
    expect(cols.access_level?.nullable).toBe(false);
    expect(cols.text?.nullable).toBe(true);
    const recorded = await t.db.knex("django_migrations").where({ app: "api" }).pluck("name");
    expect(recorded).toContain("0003_add_access_level_and_more");
    // The new unique constraint holds.
    await expect(
      t.db.knex("api_domainuserpermission").insert({ domain_id: 1, user_id: 1, access_level: "domain" }),
    ).rejects.toThrow(/unique/i);
    // New grants work on the adopted tables.
    await accounts.allowDomains("legacy", { domains: [], subdomains: ["example.com"] });
    expect((await accounts.listDomains("legacy"))[0]?.subdomains).toEqual(["example.com"]);
  });

  it("at the latest schema: changes nothing and keeps every row", async () => {
    t = await createTestDatabase(kind);
    await t.db.knex.raw(DJANGO_AUTH + API_0003 + ROWS + GRANTS_0003);
    expect(await migrate(t.db.knex)).toEqual(MIGRATIONS.map((m) => m.name));
    const accounts = new Accounts(t.db.knex);
    expect(await accounts.listDomains("*")).toEqual([
      { username: "legacy", domains: ["example.com"], subdomains: ["_acme-challenge.old.example.org"] },
      { username: "admin", domains: [], subdomains: [] },
    ]);
    const admin = await accounts.users.findByUsername("admin");
    expect(admin?.isStaff).toBe(true);
    expect(await verifyPassword("correct horse", admin?.password ?? "")).toBe(true);
    // Deleting a user still works on Django's FKs, which have no ON DELETE CASCADE.
    const legacy = await accounts.users.findByUsername("legacy");
    expect(await accounts.users.delete(legacy?.id ?? 0)).toBe(true);
    expect(await t.db.knex("api_domainuserpermission").count<{ count: string }[]>("* as count")).toEqual([
      { count: "0" },
    ]);
  });
});
