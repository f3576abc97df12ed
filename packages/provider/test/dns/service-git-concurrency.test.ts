/**
 * The whole path, as deployed: real `serve` processes sharing one PostgreSQL database and one
 * bare remote, driven over HTTP with Basic auth.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { access, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../helpers/databases.js";
import { git, makeBareRepo, makeTempDir, namedCheckzone, remoteFile } from "./git-fixtures.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const PASSWORD = "concurrency-test-password-1";
const ZONES = Array.from({ length: 30 }, (_, i) => `zone${i}.svc.test`);

let scratch: string;
let bare: string;
let db: { url: string; drop(): Promise<void> };
const children: ChildProcess[] = [];

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    POSTGRESQL_DB_CONNECT_STRING: db.url,
    APP_DATA_DIR: dataDir,
    APP_GIT_REPO: `file://${bare}`,
    APP_SECRET_KEY: "test-secret-key-0123456789abcdef",
    APP_HOST: "127.0.0.1",
    APP_PORT: "0",
    APP_LOG_LEVEL: "warn",
  };
}

function startService(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: baseEnv(dataDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

async function present(url: string, fqdn: string, value: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/present`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Basic ${Buffer.from(`bot:${PASSWORD}`).toString("base64")}`,
    },
    body: JSON.stringify({ fqdn: `${fqdn}.`, value }),
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  await access(CLI).catch(() => {
    throw new Error(`${CLI} is missing: build the provider first (pnpm build)`);
  });
  scratch = await makeTempDir("svc-git-");
  bare = await makeBareRepo(scratch, ZONES, "shared.git");
  db = await createPostgresDatabase();
  const env = baseEnv(join(scratch, "cli"));
  await run(process.execPath, [CLI, "migrate"], { env });
  await run(process.execPath, [CLI, "create-user", "bot", "--password", PASSWORD], { env });
  await run(process.execPath, [CLI, "allow-domains", "bot", "--subdomains", "svc.test"], { env });
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map(stop));
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe("three service processes, one database, one remote", () => {
  it("store all 300 concurrent presents across 30 zones, once each, in valid zones", async () => {
    const services = await Promise.all([0, 1, 2].map((i) => startService(join(scratch, `svc-${i}`))));
    // One request each first: a cold credential cache pays the password hash (1,000,000 PBKDF2
    // rounds) per request, which is not what this test is about.
    for (const [i, s] of services.entries()) {
      expect((await present(s.url, `_acme-challenge.warm${i}.zone0.svc.test`, `warm-${i}`)).status).toBe(200);
    }
    const calls = Array.from({ length: 300 }, (_, i) => ({
      url: (services[i % 3] as { url: string }).url,
      fqdn: `_acme-challenge.h${i % 4}.${ZONES[i % 30]}`,
      value: `token-${i.toString().padStart(3, "0")}`,
    }));
    const results = await Promise.all(calls.map((c) => present(c.url, c.fqdn, c.value)));
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(await Promise.all(services.map((s) => stop(s.child)))).toEqual([0, 0, 0]);

    const check = join(scratch, "check");
    await git(["clone", "--quiet", `file://${bare}`, check]);
    let total = 0;
    for (const zone of ZONES) {
      const lines = (await remoteFile(bare, `${zone}.domain`)).split("\n").filter((l) => l.includes(" TXT "));
      expect(new Set(lines).size).toBe(lines.length);
      total += lines.length;
      const dump = await namedCheckzone(zone, join(check, `${zone}.domain`));
      for (const c of calls.filter((c) => c.fqdn.endsWith(`.${zone}`)))
        expect(dump).toContain(`"${c.value}"`);
    }
    expect(total).toBe(300 + services.length); // and the warm-up records
  }, 120_000);

  it("answers 503 with the reason while the remote is gone, and recovers when it is back", async () => {
    const svc = await startService(join(scratch, "svc-fault"));
    expect((await present(svc.url, "_acme-challenge.f.zone1.svc.test", "before-fault")).status).toBe(200);
    await rename(bare, `${bare}.away`);
    const during = await present(svc.url, "_acme-challenge.f.zone1.svc.test", "during-fault");
    await rename(`${bare}.away`, bare);
    expect(during.status).toBe(503);
    expect(during.body).toMatch(/does not appear to be a git repository/);
    expect(during.body).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    expect((await present(svc.url, "_acme-challenge.f.zone1.svc.test", "after-fault")).status).toBe(200);
    expect(await stop(svc.child)).toBe(0);
    const text = await remoteFile(bare, "zone1.svc.test.domain");
    expect(text).toContain('"before-fault"');
    expect(text).toContain('"after-fault"');
    expect(text).not.toContain('"during-fault"');
  }, 60_000);
});
