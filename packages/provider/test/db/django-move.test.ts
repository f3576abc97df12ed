/**
 * Moving from the Django charm (packages/charm/README.md, decision 0320), with the real commands:
 * a database the Django app's schema created, owned by its relation user as postgresql-k8s leaves
 * it; our own database, migrated by our relation user; the three tables copied with
 * `pg_dump --data-only | psql`; then the built service answers the old credentials.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBareRepo, makeTempDir, remoteFile } from "../dns/git-fixtures.js";
import { createPostgresDatabase, PG_ADMIN_URL } from "../helpers/databases.js";
import { API_0003, DJANGO_AUTH, DJANGO_HASH } from "../helpers/django-schema.js";
import {
  loopbackRequest,
  runCli,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

const run = promisify(execFile);
const suffix = randomBytes(4).toString("hex");
/** postgresql-k8s names each relation's user `relation_id_<relation id>`. */
const DJANGO_USER = `relation_id_3_${suffix}`;
const OUR_USER = `relation_id_7_${suffix}`;
const SHARED_USER = `relation_id_9_${suffix}`;
const ROLES = [DJANGO_USER, OUR_USER, SHARED_USER];

// What the Django app holds: "legacy" (password "correct horse") with a domain grant on
// example.com and a subdomain grant on example.org; a staff user; an unrelated third grant.
const DJANGO_ROWS = `
INSERT INTO django_migrations (app, name, applied) VALUES ('api', '0001_initial', now()),
  ('api', '0002_migrate_domain_and_domainuserpermission_table', now()), ('api', '0003_add_access_level_and_more', now());
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
  VALUES ('${DJANGO_HASH}', false, 'legacy', '', '', 'legacy@example.com', false, true, now()),
         ('${DJANGO_HASH}', true, 'admin', '', '', '', true, true, now()),
         ('${DJANGO_HASH}', false, 'other', '', '', '', false, true, now());
INSERT INTO api_domain (fqdn) VALUES ('example.com'), ('example.org'), ('other.example.com');
INSERT INTO api_domainuserpermission (text, domain_id, user_id, access_level)
  VALUES (NULL, 1, 1, 'domain'), ('by ticket 42', 2, 1, 'subdomain'), (NULL, 3, 3, 'domain');
`;

let scratch: string;
let bare: string;
let djangoDb: { url: string; drop(): Promise<void> };
let ourDb: { url: string; drop(): Promise<void> };
let service: ServiceProcess | undefined;

function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  return u.toString();
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function env(url: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    POSTGRESQL_DB_CONNECT_STRING: url,
    APP_DATA_DIR: dataDir,
    APP_GIT_REPO: `file://${bare}@main`,
    APP_SECRET_KEY: "test-secret-key-0123456789abcdef",
    APP_HOST: "127.0.0.1",
    APP_PORT: "0",
    APP_LOG_LEVEL: "warn",
  };
}

/** The runbook's copy step, verbatim but for the connection strings. */
async function copyTables(): Promise<void> {
  await run(
    "bash",
    [
      "-o",
      "pipefail",
      "-c",
      'pg_dump --data-only --table=auth_user --table=api_domain --table=api_domainuserpermission "$OLD_DB" | psql --quiet --single-transaction -v ON_ERROR_STOP=1 "$NEW_DB"',
    ],
    { env: { PATH: process.env.PATH, OLD_DB: djangoDb.url, NEW_DB: ourDb.url } },
  );
}

async function usernames(): Promise<string[]> {
  const client = new pg.Client({ connectionString: ourDb.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ username: string }>(
      "SELECT username FROM auth_user ORDER BY username",
    );
    return rows.map((r) => r.username);
  } finally {
    await client.end();
  }
}

function present(fqdn: string, password = "correct horse") {
  return loopbackRequest(`${service?.url}/present`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ fqdn, value: `v-${fqdn}` }),
    auth: { username: "legacy", password },
  });
}

beforeAll(async () => {
  scratch = await makeTempDir("django-move-");
  bare = await makeBareRepo(scratch, ["example.com", "example.org"]);
  for (const role of ROLES) await sql(PG_ADMIN_URL, `CREATE ROLE ${role} LOGIN`);

  // The Django charm's database: its relation user ran Django's migrations, so it owns the tables.
  djangoDb = await createPostgresDatabase();
  await sql(djangoDb.url, `GRANT ALL ON SCHEMA public TO ${DJANGO_USER}`);
  await sql(withUser(djangoDb.url, DJANGO_USER), DJANGO_AUTH + API_0003 + DJANGO_ROWS);

  // Our database: postgresql-k8s makes our relation user the owner of the schema (the only
  // relation on it), and our charm runs `migrate` as that user.
  ourDb = await createPostgresDatabase();
  await sql(ourDb.url, `ALTER SCHEMA public OWNER TO ${OUR_USER}`);
  const migrated = await runCli(env(withUser(ourDb.url, OUR_USER), join(scratch, "cli")), "migrate");
  expect(migrated.stderr).toBe("");
  expect(migrated.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await djangoDb?.drop();
  await ourDb?.drop();
  for (const role of ROLES) await sql(PG_ADMIN_URL, `DROP ROLE IF EXISTS ${role}`);
  await rm(scratch, { recursive: true, force: true });
});

describe("moving from the Django charm", { timeout: 120_000 }, () => {
  it("cannot share the Django database: a second relation user is granted rows, not ownership", async () => {
    // What postgresql-k8s grants a second relation asking for an existing database.
    await sql(
      djangoDb.url,
      `GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO ${SHARED_USER};
       GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO ${SHARED_USER};
       GRANT USAGE, CREATE ON SCHEMA public TO ${SHARED_USER};`,
    );
    const shared = env(withUser(djangoDb.url, SHARED_USER), join(scratch, "shared"));
    const migrated = await runCli(shared, "migrate");
    // Our migration adds an index to api_domainuserpermission: only its owner may.
    expect(migrated.code).not.toBe(0);
    expect(migrated.stderr).toMatch(/must be owner of table api_domainuserpermission/);
  });

  it("copies users, password hashes and grants with pg_dump | psql; the old credentials work", async () => {
    await copyTables();

    const ours = env(withUser(ourDb.url, OUR_USER), join(scratch, "svc"));
    service = await startServiceProcess(ours);
    expect((await present("_acme-challenge.example.com.")).status).toBe(200);
    expect((await present("_acme-challenge.www.example.org.")).status).toBe(200);
    expect((await present("_acme-challenge.www.example.com.")).status).toBe(403);
    expect((await present("_acme-challenge.other.example.com.")).status).toBe(403);
    expect((await present("_acme-challenge.example.com.", "wrong horse")).status).toBe(401);
    expect(await remoteFile(bare, "example.com.domain")).toContain('"v-_acme-challenge.example.com."');
    expect(await remoteFile(bare, "example.org.domain")).toContain('"v-_acme-challenge.www.example.org."');

    // The identity sequences came along: new rows do not collide with copied ids.
    expect((await runCli(ours, "create-user", "newcomer", "--password", "new-password-1")).code).toBe(0);
    expect((await runCli(ours, "allow-domains", "newcomer", "--domains", "new.example.com")).code).toBe(0);
    const listed = await runCli(ours, "list-domains", "legacy", "--json");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("example.org");
  });

  it("refuses a second copy onto copied rows and changes nothing; after the runbook's TRUNCATE it copies again", async () => {
    await expect(copyTables()).rejects.toThrow(/duplicate key value/);
    expect(await usernames()).toEqual(["admin", "legacy", "newcomer", "other"]);
    await sql(ourDb.url, "TRUNCATE auth_user, api_domain, api_domainuserpermission CASCADE");
    await copyTables();
    expect(await usernames()).toEqual(["admin", "legacy", "other"]);
    expect((await present("_acme-challenge.example.com.")).status).toBe(200);
  });

  it("taking over needs ownership: as postgresql-k8s gives a lone relation, our migrations then run on the Django tables", async () => {
    // What postgresql-k8s runs when the requesting relation is the only one on that database.
    await sql(
      djangoDb.url,
      `DO $$ DECLARE r RECORD; BEGIN
         FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
           EXECUTE format('ALTER TABLE public.%I OWNER TO ${SHARED_USER}', r.tablename);
         END LOOP;
       END $$;
       ALTER SCHEMA public OWNER TO ${SHARED_USER};`,
    );
    const takeover = env(withUser(djangoDb.url, SHARED_USER), join(scratch, "takeover"));
    const migrated = await runCli(takeover, "migrate");
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    const listed = await runCli(takeover, "list-domains", "legacy", "--json");
    expect(listed.stdout).toContain("example.org");
  });
});
