/**
 * Starts the provider from the unpacked image as uid 584792 (namespaces + chroot, as a container runtime
 * would) against a fresh PostgreSQL database and a bare repository, reached over file:// and over ssh to
 * a local sshd, using the image's own Node, git and ssh.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@httprequest-lego-provider/free-port";
import { adminUrlFromEnv } from "@httprequest-lego-provider/test-postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pebbleService } from "../src/pebble-layer.js";
import { imageEnv, inImage } from "./support/in-image.js";
import { waitFor } from "./support/net.js";
import { type Sshd, startSshd } from "./support/sshd.js";

const rock = inject("rock");
const isRoot = process.getuid?.() === 0;
/** The run's PostgreSQL server (trust auth), chosen or started once by test/postgres-setup.ts. */
const PG_ADMIN_URL = adminUrlFromEnv();
const ZONE = `$ORIGIN example.com.
$TTL 600
@ IN SOA ns1.example.com. hostmaster.example.com. 2024010100 3600 600 86400 600
@ IN NS ns1.example.com.
`;

function psql(sql: string): void {
  execFileSync("psql", ["-d", PG_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", sql], { stdio: "pipe" });
}

/** The admin connection string, naming another database. */
function databaseUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A bare repository with one zone file on branch main, seeded with the host's git. */
function seedBareRepo(work: string, bare: string): void {
  const seed = join(work, `seed-${randomBytes(3).toString("hex")}`);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" });
  mkdirSync(seed, { recursive: true });
  git(seed, "init", "-q", "-b", "main");
  writeFileSync(join(seed, "example.com.domain"), ZONE);
  git(seed, "add", ".");
  git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "-qm", "zone");
  git(work, "clone", "-q", "--bare", seed, bare);
}

/** The first child of a process (the node process under unshare's fork). */
async function childPid(parent: number): Promise<number | undefined> {
  for (const task of await readdir(`/proc/${parent}/task`)) {
    const children = (await readFile(`/proc/${parent}/task/${task}/children`, "utf8")).trim();
    if (children) return Number(children.split(" ")[0]);
  }
  return undefined;
}

interface Remote {
  readonly name: string;
  /** Prepares the bare repository; returns APP_GIT_* variables and the repository's host path. */
  setup(
    rootfs: string,
    work: string,
    id: string,
  ): Promise<{ env: Record<string, string>; bareOnHost: string }>;
  teardown(): Promise<void>;
}

const fileRemote = (): Remote => ({
  name: "file:// inside the image",
  async setup(rootfs, work, id) {
    const bareOnHost = join(rootfs, `tmp/zones-${id}.git`);
    seedBareRepo(work, bareOnHost);
    execFileSync("chown", ["-R", "584792:584792", bareOnHost]);
    return { env: { APP_GIT_REPO: `file:///tmp/zones-${id}.git@main` }, bareOnHost };
  },
  async teardown() {},
});

const sshRemote = (): Remote => {
  let sshd: Sshd | undefined;
  return {
    name: "git+ssh:// to a local sshd",
    async setup(_rootfs, work) {
      const sshDir = join(work, "sshd");
      await mkdir(sshDir);
      sshd = await startSshd(sshDir);
      const bareOnHost = join(work, "remote/zones.git");
      seedBareRepo(work, bareOnHost);
      return {
        env: {
          APP_GIT_REPO: `git+ssh://${sshd.user}@127.0.0.1:${sshd.port}${bareOnHost}@main`,
          APP_GIT_SSH_KEY: sshd.clientKey,
          APP_GIT_KNOWN_HOSTS: sshd.knownHosts,
        },
        bareOnHost,
      };
    },
    async teardown() {
      await sshd?.stop();
    },
  };
};

describe.runIf(isRoot).each([fileRemote(), sshRemote()])(
  "the provider from the image as uid 584792, $name",
  (remote) => {
    const { rootfs } = rock.unpacked;
    let work: string;
    let service: ChildProcess | undefined;
    let output = "";
    let port = 0;
    let bareOnHost = "";
    let env: Record<string, string>;
    const id = randomBytes(4).toString("hex");
    const database = `rock_test_${id}`;
    // Each run gets its own data directory (clone, ssh files) in the shared root filesystem.
    const dataDir = `/var/lib/httprequest-lego-provider/run-${id}`;
    const password = randomBytes(12).toString("hex");

    function cli(...args: string[]): string {
      const command = inImage(rootfs, ["/usr/local/bin/httprequest-lego-provider", ...args]);
      const result = spawnSync(command.file, command.args, { env, encoding: "utf8", timeout: 60_000 });
      if (result.status !== 0) throw new Error(`${args[0]} failed (${result.status}): ${result.stderr}`);
      return result.stdout;
    }

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "rock-run-"));
      psql(`CREATE DATABASE ${database}`);
      await mkdir(join(rootfs, dataDir), { mode: 0o700 });
      execFileSync("chown", ["584792:584792", join(rootfs, dataDir)]);
      const prepared = await remote.setup(rootfs, work, id);
      bareOnHost = prepared.bareOnHost;
      port = await freePort();
      env = imageEnv({
        APP_HOST: "127.0.0.1",
        PORT: String(port),
        APP_SECRET_KEY: randomBytes(32).toString("hex"),
        POSTGRESQL_DB_CONNECT_STRING: databaseUrl(database),
        APP_LOG_LEVEL: "warn",
        APP_DATA_DIR: dataDir,
        ...prepared.env,
      });
      cli("migrate");
      cli("create-user", "lego", "--password", password);
      cli("allow-domains", "lego", "--domains", "example.com");

      // The Pebble layer's own command, flags and all, run by the image's Node.
      const command = inImage(rootfs, pebbleService().command.split(" "));
      service = spawn(command.file, command.args, { env, stdio: ["ignore", "pipe", "pipe"] });
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      service.stdout?.on("data", collect);
      service.stderr?.on("data", collect);
    });

    afterAll(async () => {
      if (service && service.exitCode === null) service.kill("SIGKILL");
      await remote.teardown();
      try {
        psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        if (work) await rm(work, { recursive: true, force: true });
      }
    });

    it("answers /healthz", async () => {
      const healthy = async () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.status === 200,
          () => false,
        );
      await waitFor(`/healthz\n${output}`, 30_000, healthy);
    });

    it("commits a /present TXT record to the bare repository with the image's git", async () => {
      const value = randomBytes(32).toString("base64url").slice(0, 43);
      const response = await fetch(`http://127.0.0.1:${port}/present`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`lego:${password}`).toString("base64")}`,
        },
        body: JSON.stringify({ fqdn: "_acme-challenge.example.com.", value }),
      });
      expect(response.status, `${await response.clone().text()}\n${output}`).toBe(200);
      const zone = execFileSync("git", ["--git-dir", bareOnHost, "show", "main:example.com.domain"], {
        encoding: "utf8",
      });
      expect(zone).toMatch(new RegExp(`^_acme-challenge\\s+600\\s+IN\\s+TXT\\s+"${value}"`, "m"));
    });

    it("drains and exits 0 on SIGTERM", async () => {
      const launcher = service?.pid;
      expect(launcher).toBeDefined();
      const node = await childPid(launcher as number);
      expect(node).toBeDefined();
      const exited = new Promise<number | null>((resolve) => service?.once("exit", (code) => resolve(code)));
      process.kill(node as number, "SIGTERM");
      expect(await exited, output).toBe(0);
    });
  },
);
