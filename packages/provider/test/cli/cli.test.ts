import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/db/migrations.js";
import { ensureDemoRepository } from "../../src/dns/demo-repository.js";
import { createPostgresDatabase } from "../helpers/databases.js";
import { runCli, startServiceProcess } from "../helpers/service-process.js";

const cli = runCli;
const startService = startServiceProcess;

describe("CLI on PostgreSQL", () => {
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    env = {
      POSTGRESQL_DB_CONNECT_STRING: pg.url,
      APP_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "hlp-cli-")),
    };
  });
  afterAll(async () => {
    await drop?.();
    if (env?.APP_DATA_DIR) await rm(env.APP_DATA_DIR, { recursive: true, force: true });
  });

  it("migrates, then reports nothing to do", async () => {
    expect(await cli(env, "migrate")).toMatchObject({
      code: 0,
      stdout: `Applied: ${MIGRATIONS.map((m) => m.name).join(", ")}\n`,
    });
    expect(await cli(env, "migrate", "--json")).toMatchObject({ code: 0, stdout: '{"applied":[]}\n' });
  });

  it("creates a user with a generated password, and sets a given one on an existing user", async () => {
    const created = await cli(env, "create-user", "alice", "--json");
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { username: string; created: boolean; password: string };
    expect(body).toMatchObject({ username: "alice", created: true });
    expect(body.password.length).toBeGreaterThanOrEqual(20);
    const updated = await cli(env, "create-user", "alice", "--password", "chosen-password");
    expect(updated).toMatchObject({ code: 0, stdout: 'Updated the password of user "alice"\n' });
  });

  it("grants, lists in the Django layout, and revokes", async () => {
    const allow = await cli(
      env,
      "allow-domains",
      "alice",
      "--domains",
      "example.com,example.org",
      "--subdomains",
      "example.net",
    );
    expect(allow).toMatchObject({ code: 0, stdout: "Successfully granted access to all domains.\n" });
    expect((await cli(env, "list-domains", "alice")).stdout).toBe(
      "\nalice:\n    domains:\n        example.com, example.org\n    subdomains:\n        example.net\n",
    );
    const all = JSON.parse((await cli(env, "list-domains", "*", "--json")).stdout) as unknown[];
    expect(all).toEqual([
      { username: "alice", domains: ["example.com", "example.org"], subdomains: ["example.net"] },
    ]);
    expect(await cli(env, "revoke-domains", "alice", "--domains", "example.org")).toMatchObject({ code: 0 });
    expect((await cli(env, "list-domains", "alice", "--json")).stdout).toBe(
      '{"username":"alice","domains":["example.com"],"subdomains":["example.net"]}\n',
    );
  });

  it.each([
    [["allow-domains", "nobody", "--domains", "example.com"], /User "nobody" does not exist/],
    [["allow-domains", "alice", "--domains", "bad_name.com"], /Invalid domain "bad_name\.com"/],
    [["allow-domains", "alice"], /at least one of --domains or --subdomains/],
    [["revoke-domains", "alice", "--domains", "never.example"], /Nothing was revoked/],
    [["create-user", "bad name"], /Invalid username/],
    [["list-domains", "nobody"], /User "nobody" does not exist/],
  ])("fails with exit 1 and a one-line reason: %j", async (args, message) => {
    const r = await cli(env, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^Error: /);
  });

  it.each([
    "serve",
    "migrate",
    "create-user",
    "create-superuser",
    "allow-domains",
    "revoke-domains",
    "list-domains",
  ])("%s has --help", async (command) => {
    const r = await cli(env, command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: httprequest-lego-provider ${command}`);
  });

  it("refuses to serve without APP_GIT_REPO or with a bad variable, naming it", async () => {
    const noRepo = await cli({ ...env, APP_SECRET_KEY: "0123456789abcdef0123" }, "serve");
    expect(noRepo.code).toBe(1);
    expect(noRepo.stderr).toContain("APP_GIT_REPO");
    const badPort = await cli({ ...env, APP_PORT: "eighty" }, "serve");
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toMatch(/APP_PORT: .*\(got "eighty"\)/);
    const badDb = await cli({ ...env, POSTGRESQL_DB_CONNECT_STRING: "mysql://x" }, "migrate");
    expect(badDb.stderr).toContain("POSTGRESQL_DB_CONNECT_STRING");
    expect(badDb.stderr).not.toContain("mysql://x");
  });
});

describe("CLI on the embedded database, with and without the service running", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hlp-cli-pglite-"));
    const repo = await ensureDemoRepository(path.join(dataDir, "remote"));
    env = {
      APP_DATA_DIR: path.join(dataDir, "state"),
      APP_GIT_REPO: repo,
      APP_SECRET_KEY: "cli-test-secret-key-0123456789",
      APP_HOST: "127.0.0.1",
      APP_PORT: "0",
      APP_LOG_LEVEL: "info",
    };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("works alone, then beside a running service, and the service sees every change at once", {
    timeout: 120_000,
  }, async () => {
    expect((await cli(env, "create-user", "solo", "--password", "solo-password")).code).toBe(0);

    const service = await startService(env);
    try {
      // The service hosts PGlite now; the CLI goes through its socket instead of locking it.
      expect((await cli(env, "create-user", "lego", "--password", "lego-password")).code).toBe(0);
      expect((await cli(env, "allow-domains", "lego", "--subdomains", "example.test")).code).toBe(0);
      const res = await fetch(`${service.url}/present`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from("lego:lego-password").toString("base64")}` },
        body: `${JSON.stringify({ fqdn: "_acme-challenge.www.example.test.", value: "cli-test-value" })}\n`,
      });
      expect(res.status).toBe(200);
      const listed = JSON.parse((await cli(env, "list-domains", "*", "--json")).stdout) as {
        username: string;
      }[];
      expect(listed.map((l) => l.username)).toEqual(["solo", "lego"]);
      // One JSON log line per request, with user and fqdn, and never a secret.
      const logLine = service
        .output()
        .split("\n")
        .find((l) => l.includes('"path":"/present"'));
      expect(JSON.parse(logLine ?? "{}")).toMatchObject({
        status: 200,
        user: "lego",
        fqdn: "_acme-challenge.www.example.test",
      });
      expect(service.output()).not.toContain("lego-password");
      expect(service.output()).not.toContain(Buffer.from("lego:lego-password").toString("base64"));
    } finally {
      expect(await service.stop()).toBe(0);
    }
    // With the service gone the CLI opens the database itself again.
    const after = await cli(env, "list-domains", "lego", "--json");
    expect(after).toMatchObject({
      code: 0,
      stdout: '{"username":"lego","domains":[],"subdomains":["example.test"]}\n',
    });
  });

  it("SIGTERM lets an in-flight /present finish, then exits 0", { timeout: 120_000 }, async () => {
    const service = await startService(env);
    // The first request of a fresh process pays a full PBKDF2 run (1,000,000 iterations), so it is
    // still in flight when the signal arrives.
    const pending = fetch(`${service.url}/present`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from("lego:lego-password").toString("base64")}` },
      body: JSON.stringify({ fqdn: "_acme-challenge.drain.example.test", value: "drain-value" }),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exited = service.stop();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ fqdn: "_acme-challenge.drain.example.test", value: "drain-value" });
    expect(await exited).toBe(0);
  });

  it("a second service on the same embedded database is refused with a clear message", {
    timeout: 120_000,
  }, async () => {
    const first = await startService(env);
    try {
      const second = await cli(env, "serve");
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/already served by another process/);
    } finally {
      await first.stop();
    }
  });
});
