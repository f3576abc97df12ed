/**
 * Three units of the charm, as the service sees them: three `serve` processes started at once on
 * one fresh PostgreSQL database (each applies the migrations itself at start) and one bare
 * remote, then concurrent /present and /cleanup against all three on names of one zone. Every
 * acknowledged write must be in the remote afterwards: presents there, cleanups gone.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../helpers/databases.js";
import {
  loopbackRequest,
  runCli,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";
import { makeBareRepo, makeTempDir, remoteFile } from "./git-fixtures.js";

const ZONE = "scale.test";
const PASSWORD = "scale-out-password-1";
const PER_UNIT = 20;

let scratch: string;
let bare: string;
let db: { url: string; drop(): Promise<void> };
let units: ServiceProcess[] = [];

function env(dataDir: string): NodeJS.ProcessEnv {
  return {
    POSTGRESQL_DB_CONNECT_STRING: db.url,
    APP_DATA_DIR: dataDir,
    APP_GIT_REPO: `file://${bare}@main`,
    APP_SECRET_KEY: "test-secret-key-0123456789abcdef",
    APP_HOST: "127.0.0.1",
    APP_PORT: "0",
    APP_LOG_LEVEL: "warn",
  };
}

function call(unit: ServiceProcess, path: "/present" | "/cleanup", fqdn: string, value: string) {
  return loopbackRequest(`${unit.url}${path}`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ fqdn: `${fqdn}.`, value }),
    auth: { username: "bot", password: PASSWORD },
  });
}

beforeAll(async () => {
  scratch = await makeTempDir("scale-out-");
  bare = await makeBareRepo(scratch, [ZONE]);
  db = await createPostgresDatabase();
  // No `migrate` first: the three units race to migrate the empty database at start.
  units = await Promise.all([0, 1, 2].map((i) => startServiceProcess(env(join(scratch, `unit-${i}`)))));
  const cli = env(join(scratch, "cli"));
  expect((await runCli(cli, "create-user", "bot", "--password", PASSWORD)).code).toBe(0);
  expect((await runCli(cli, "allow-domains", "bot", "--subdomains", ZONE)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await Promise.all(units.map((u) => u.stop()));
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe("three units on one database and one remote", () => {
  it("all start on a fresh database and answer /readyz", async () => {
    for (const unit of units) expect((await loopbackRequest(`${unit.url}/readyz`)).status).toBe(200);
  });

  it("lose no acknowledged present or cleanup under concurrent load from all three", async () => {
    // One request each first: a cold credential cache pays the password hash once per process.
    for (const [i, unit] of units.entries()) {
      expect((await call(unit, "/present", `_acme-challenge.warm${i}.${ZONE}`, `warm-${i}`)).status).toBe(
        200,
      );
    }
    const presents = units.flatMap((unit, u) =>
      Array.from({ length: PER_UNIT }, (_, j) => ({
        unit,
        fqdn: `_acme-challenge.u${u}-n${j}.${ZONE}`,
        value: `value-u${u}-n${j}`,
      })),
    );
    const presented = await Promise.all(presents.map((p) => call(p.unit, "/present", p.fqdn, p.value)));
    expect(presented.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);

    // Every other name is cleaned up again, through a different unit than the one that wrote it.
    const cleanups = presents.filter((_, i) => i % 2 === 0);
    const cleaned = await Promise.all(
      cleanups.map((p, i) => call(units[(i + 1) % 3] as ServiceProcess, "/cleanup", p.fqdn, p.value)),
    );
    expect(cleaned.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);

    const zone = await remoteFile(bare, `${ZONE}.domain`);
    for (const p of presents) {
      if (cleanups.includes(p)) expect(zone).not.toContain(`"${p.value}"`);
      else expect(zone).toContain(`"${p.value}"`);
    }
  }, 180_000);
});
