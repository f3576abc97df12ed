#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { Accounts, formatDomainList } from "./accounts.js";
import { adminEntry } from "./audit/audit-entry.js";
import { AuditRepo } from "./audit/audit-repo.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/database.js";
import { migrate } from "./db/migrations.js";
import { AppError } from "./errors.js";
import { restrictFileCreation } from "./file-modes.js";
import { parseOptionNames } from "./option-names.js";

/** The actor of a change made from the command line (no account: parentheses are not in usernames). */
export const CLI_ACTOR = "(cli)";

/** Records one change in the audit trail, written before the command exits. */
type RecordChange = (action: string, target: string, detail: string) => Promise<void>;

/** Opens the database the service uses (or the running service's embedded one) for one command. */
async function withAccounts<T>(fn: (accounts: Accounts, record: RecordChange) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, role: "client" });
  try {
    await migrate(db.knex, undefined, { exclusive: db.kind === "postgresql" });
    const audit = new AuditRepo(db.knex);
    const record: RecordChange = (action, target, detail) =>
      audit.insert([adminEntry({ source: "cli", actor: CLI_ACTOR, action, target, detail })]);
    return await fn(new Accounts(db.knex), record);
  } finally {
    await db.close();
  }
}

const splitList = (value: string | undefined): string[] =>
  value === undefined
    ? []
    : value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");

function describeGrants(req: { domains: string[]; subdomains: string[] }): string {
  const parts = [
    ...(req.domains.length > 0 ? [`domains ${req.domains.join(", ")}`] : []),
    ...(req.subdomains.length > 0 ? [`subdomains ${req.subdomains.join(", ")}`] : []),
  ];
  return parts.join("; ");
}

function print(json: boolean, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text}\n`);
}

export function buildProgram(): Command {
  const program = new Command("httprequest-lego-provider")
    .description("Delegated ACME DNS-01 challenges: lego's httpreq API over zone files in git")
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nConfiguration comes from the environment (APP_*, POSTGRESQL_DB_CONNECT_STRING); see README.md.",
    );

  program
    .command("serve")
    .description("Run the HTTP service")
    .option("--dev", "development defaults: local demo DNS repository, demo user, generated signing key")
    .option("--no-migrate", "do not apply database migrations at start")
    .action(async (opts: { dev?: boolean; migrate: boolean }) => {
      const [{ serve }, { loadServeConfig }] = await Promise.all([
        import("./serve.js"),
        import("./serve-config.js"),
      ]);
      const dev = opts.dev === true;
      // Every setting is checked before the database or the repository is touched.
      await serve(await loadServeConfig(process.env, { dev }), { dev, migrate: opts.migrate });
    });

  program
    .command("migrate")
    .description("Create or adopt the database tables (safe to repeat)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, role: "client" });
      try {
        const applied = await migrate(db.knex, undefined, { exclusive: db.kind === "postgresql" });
        print(
          opts.json === true,
          { applied },
          applied.length ? `Applied: ${applied.join(", ")}` : "Nothing to migrate.",
        );
      } finally {
        await db.close();
      }
    });

  const userCommand = (name: string, staff: boolean, description: string) =>
    program
      .command(name)
      .description(description)
      .argument("<username>", "user name (letters, digits and @ . + - _)")
      .option("--password <password>", "password to set (default: generate and print one)")
      .option("--email <email>", "e-mail address")
      .option("--json", "machine-readable output")
      .action(async (username: string, opts: { password?: string; email?: string; json?: boolean }) => {
        const r = await withAccounts(async (a, record) => {
          const r = await a.createOrUpdateUser(username, {
            staff,
            ...(opts.password !== undefined ? { password: opts.password } : {}),
            ...(opts.email !== undefined ? { email: opts.email } : {}),
          });
          await (r.created
            ? record("user.create", username, `created user ${username}${staff ? " (staff)" : ""}`)
            : record("user.password_reset", username, `set a new password on ${username}`));
          return r;
        });
        const verb = r.created ? "Created" : "Updated the password of";
        const shown = r.generated ? ` with password "${r.password}"` : "";
        print(
          opts.json === true,
          { username, created: r.created, ...(r.generated ? { password: r.password } : {}) },
          `${verb} ${staff ? "superuser" : "user"} "${username}"${shown}`,
        );
      });
  userCommand("create-user", false, "Create a user, or set a new password on an existing one");
  userCommand(
    "create-superuser",
    true,
    "Create a staff user (admin API and admin pages), or reset its password",
  );

  const grantCommand = (name: "allow-domains" | "revoke-domains", description: string) =>
    program
      .command(name)
      .description(description)
      .argument("<username>", "user name")
      .option(
        "--domains <list>",
        "comma-separated names the user may manage exactly (_acme-challenge.<name>)",
      )
      .option("--subdomains <list>", "comma-separated names whose every subdomain the user may manage")
      .option("--json", "machine-readable output")
      .action(async (username: string, opts: { domains?: string; subdomains?: string; json?: boolean }) => {
        const req = { domains: splitList(opts.domains), subdomains: splitList(opts.subdomains) };
        const names = describeGrants(req);
        if (name === "allow-domains") {
          const r = await withAccounts(async (a, record) => {
            const r = await a.allowDomains(username, req);
            await record("grant.create", username, `granted ${username} ${names}`);
            return r;
          });
          print(opts.json === true, r, "Successfully granted access to all domains.");
        } else {
          const r = await withAccounts(async (a, record) => {
            const r = await a.revokeDomains(username, req);
            await record("grant.revoke", username, `revoked from ${username} ${names}`);
            return r;
          });
          print(opts.json === true, r, "Successfully revoked access to all domains.");
        }
      });
  grantCommand("allow-domains", "Grant a user access to domains and/or subdomains");
  grantCommand("revoke-domains", "Revoke a user's access to domains and/or subdomains");

  program
    .command("list-domains")
    .description("List the domains a user may manage; '*' for every user")
    .argument("<username>", "user name, or '*'")
    .option("--json", "machine-readable output")
    .action(async (username: string, opts: { json?: boolean }) => {
      const lists = await withAccounts((a) => a.listDomains(username));
      print(opts.json === true, username === "*" ? lists : lists[0], formatDomainList(lists));
    });

  const activeCommand = (name: "activate-user" | "deactivate-user", active: boolean, description: string) =>
    program
      .command(name)
      .description(description)
      .argument("<username>", "user name")
      .option("--json", "machine-readable output")
      .action(async (username: string, opts: { json?: boolean }) => {
        const r = await withAccounts(async (a, record) => {
          const r = await a.setActive(username, active);
          if (r.changed)
            await record(
              active ? "user.reactivate" : "user.deactivate",
              username,
              `${active ? "reactivated" : "deactivated"} ${username}`,
            );
          return r;
        });
        const text = active
          ? r.changed
            ? `Activated user "${username}": its password and grants work again`
            : `User "${username}" is already active`
          : r.changed
            ? `Deactivated user "${username}": its password and tokens no longer work; its grants are kept`
            : `User "${username}" is already inactive`;
        print(opts.json === true, { username, active, changed: r.changed }, text);
      });
  activeCommand(
    "deactivate-user",
    false,
    "Deactivate a user: its password, tokens and admin sessions stop working at once; grants are kept",
  );
  activeCommand(
    "activate-user",
    true,
    "Activate a deactivated user again (with its old password and grants)",
  );

  program
    .command("delete-user")
    .description("Delete a user and its grants; the audit trail keeps its name")
    .argument("<username>", "user name")
    .option("--json", "machine-readable output")
    .action(async (username: string, opts: { json?: boolean }) => {
      const held = await withAccounts(async (a, record) => {
        const held = await a.deleteUser(username);
        const grants = describeGrants(held);
        await record(
          "user.delete",
          username,
          `deleted ${username}${grants ? ` and its grants: ${grants}` : ""}`,
        );
        return held;
      });
      const count = held.domains.length + held.subdomains.length;
      print(
        opts.json === true,
        { username, deleted: true, domains: held.domains, subdomains: held.subdomains },
        `Deleted user "${username}" and its ${count} grant${count === 1 ? "" : "s"}`,
      );
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Every command may create files under APP_DATA_DIR (PGlite, keys): none readable by others.
  restrictFileCreation();
  const hint = parseOptionNames(process.env.APP_OPTION_NAMES).warning;
  if (hint) process.stderr.write(`Warning: ${hint}\n`);
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError || err instanceof AppError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${message}\n`);
    return 1;
  }
}

// Run when executed (not when imported by tests).
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv);
  // `serve` keeps the process alive through its server; everything else exits with its code.
  if (code !== 0 || process.argv[2] !== "serve") process.exitCode = code;
}
