/**
 * Three units of the charm, as the service sees them: three `serve` processes started at once on
 * one fresh PostgreSQL database (each applies the migrations itself at start) and one bare
 * remote, then concurrent /present and /cleanup against all three on names of one zone. Every
 * acknowledged write must be in the remote afterwards, exactly once: presents there, cleanups
 * gone. One unit writes the repository for all (decision 0109): errors of a change made through
 * another unit reach that change's own client, and killing the writer mid-run loses nothing any
 * unit answered 200 while the others carry on.
 */
import { rm, writeFile } from "node:fs/promises";
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
/** Granted to the user but with no zone file in the repository. */
const MISSING_ZONE = "missing.test";
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
  expect((await runCli(cli, "allow-domains", "bot", "--subdomains", `${ZONE},${MISSING_ZONE}`)).code).toBe(0);
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
      expect(occurrences(zone, `"${p.value}"`), p.value).toBe(cleanups.includes(p) ? 0 : 1);
    }
  }, 180_000);

  it("answer a change's own client with its error when another unit writes it", async () => {
    const writer = await currentWriter(units);
    const other = units.find((u) => u !== writer) as ServiceProcess;
    const missing = await call(other, "/present", `_acme-challenge.www.${MISSING_ZONE}`, "no-zone-value");
    expect(missing.status).toBe(422);
    expect(missing.body).toContain(`_acme-challenge.www.${MISSING_ZONE}`);

    const hook = join(bare, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'records are frozen for maintenance' >&2\nexit 1\n", {
      mode: 0o755,
    });
    try {
      const refused = await call(other, "/present", `_acme-challenge.frozen.${ZONE}`, "frozen-value");
      expect(refused.status).toBe(502);
      expect(refused.body).toContain("records are frozen for maintenance");
    } finally {
      await rm(hook);
    }
    expect(await remoteFile(bare, `${ZONE}.domain`)).not.toContain("frozen-value");
  }, 60_000);

  it("lose nothing answered 200 when the writer is killed mid-run, and the others carry on", async () => {
    const writer = await currentWriter(units);
    const acked: { value: string; unit: number }[] = [];
    const survivorFailures: string[] = [];
    let killed = false;
    await Promise.all(
      units.flatMap((unit, u) =>
        Array.from({ length: CLIENTS_PER_UNIT }, async (_, c) => {
          for (let n = 0; n < REQUESTS_PER_CLIENT && !(unit === writer && killed); n += 1) {
            const value = `kill-u${u}-c${c}-n${n}`;
            try {
              const r = await call(unit, "/present", `_acme-challenge.k${u}-c${c}-n${n}.${ZONE}`, value);
              if (r.status === 200) acked.push({ value, unit: u });
              else if (unit !== writer) survivorFailures.push(`${r.status} ${r.body}`);
            } catch (err) {
              if (unit !== writer) survivorFailures.push(String(err));
            }
            if (!killed && acked.length >= KILL_AFTER_ACKS) {
              // Mid-batch: the writer has changes of all three units claimed or in flight.
              killed = true;
              writer.child.kill("SIGKILL");
            }
          }
        }),
      ),
    );
    expect(killed).toBe(true);
    expect(survivorFailures).toEqual([]);
    const zone = await remoteFile(bare, `${ZONE}.domain`);
    for (const a of acked) expect(occurrences(zone, `"${a.value}"`), a.value).toBe(1);
    // A survivor took the writer's place.
    const survivors = units.filter((u) => u !== writer);
    expect(survivors).toContain(await currentWriter(survivors));
  }, 180_000);
});

const CLIENTS_PER_UNIT = 6;
const REQUESTS_PER_CLIENT = 12;
const KILL_AFTER_ACKS = 40;

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** The unit whose /metrics says it writes the repository (exactly one must). */
async function currentWriter(candidates: readonly ServiceProcess[]): Promise<ServiceProcess> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const flags = await Promise.all(
      candidates.map(async (u) =>
        /^hlp_dns_writer 1$/m.test((await loopbackRequest(`${u.url}/metrics`)).body),
      ),
    );
    if (flags.filter(Boolean).length === 1) return candidates[flags.indexOf(true)] as ServiceProcess;
    if (Date.now() > deadline) throw new Error(`expected one writer among the units, saw ${flags.join(",")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
