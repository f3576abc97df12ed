/**
 * Starts the provider from the unpacked image as uid 584792 (namespaces + chroot, as a container runtime
 * would) against a fresh PostgreSQL database and a local bare repository, using the image's own Node and git.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { imageEnv, inImage } from "./support/in-image.js";
import { type Unpacked, unpackRock } from "./support/unpack.js";

const rock = inject("rock");
const isRoot = process.getuid?.() === 0;
const PG = { host: "127.0.0.1", port: 5432, user: "postgres" };
const ZONE = `$ORIGIN example.com.
$TTL 600
@ IN SOA ns1.example.com. hostmaster.example.com. 2024010100 3600 600 86400 600
@ IN NS ns1.example.com.
`;

function psql(sql: string, database = "postgres"): void {
  execFileSync(
    "psql",
    [
      "-h",
      PG.host,
      "-p",
      String(PG.port),
      "-U",
      PG.user,
      "-d",
      database,
      "-v",
      "ON_ERROR_STOP=1",
      "-qc",
      sql,
    ],
    {
      stdio: "pipe",
    },
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function childPid(parent: number): Promise<number | undefined> {
  for (const task of await readdir(`/proc/${parent}/task`)) {
    const children = (await readFile(`/proc/${parent}/task/${task}/children`, "utf8")).trim();
    if (children) return Number(children.split(" ")[0]);
  }
  return undefined;
}

describe.runIf(isRoot)("the provider running from the image as uid 584792", () => {
  let unpacked: Unpacked;
  let rootfs: string;
  let service: ChildProcess | undefined;
  let output = "";
  let port = 0;
  const database = `rock_test_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const bareInImage = "/tmp/zones.git";
  let env: Record<string, string>;

  function cli(...args: string[]): string {
    const command = inImage(rootfs, ["/usr/local/bin/httprequest-lego-provider", ...args]);
    const result = spawnSync(command.file, command.args, { env, encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    return result.stdout;
  }

  beforeAll(async () => {
    unpacked = await unpackRock(rock.result.path, rock.inputs.version);
    rootfs = unpacked.rootfs;
    psql(`CREATE DATABASE ${database}`);

    // Seed the zone repository with the host's git; from here on only the image's git touches it.
    const seed = join(unpacked.dir, "seed");
    const bare = join(rootfs, bareInImage);
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" });
    await mkdir(seed);
    git(seed, "init", "-q", "-b", "main");
    await writeFile(join(seed, "example.com.domain"), ZONE);
    git(seed, "add", ".");
    git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "-qm", "zone");
    git(unpacked.dir, "clone", "-q", "--bare", seed, bare);
    execFileSync("chown", ["-R", "584792:584792", bare]);

    port = await freePort();
    env = imageEnv({
      APP_HOST: "127.0.0.1",
      PORT: String(port),
      APP_SECRET_KEY: randomBytes(32).toString("hex"),
      POSTGRESQL_DB_CONNECT_STRING: `postgresql://${PG.user}@${PG.host}:${PG.port}/${database}`,
      APP_GIT_REPO: `file://${bareInImage}@main`,
      APP_LOG_LEVEL: "warn",
    });
    cli("migrate");
    cli("create-user", "lego", "--password", password);
    cli("allow-domains", "lego", "--domains", "example.com");

    const command = inImage(rootfs, ["/usr/bin/node", "/app/dist/cli.js", "serve"]);
    service = spawn(command.file, command.args, { env, stdio: ["ignore", "pipe", "pipe"] });
    service.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    service.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
  });

  afterAll(async () => {
    if (service && service.exitCode === null) service.kill("SIGKILL");
    try {
      psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await unpacked?.cleanup();
    }
  });

  it("answers /healthz", async () => {
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, output).toBe(200);
  });

  it("commits a /present TXT record to the bare repository with the image's git", async () => {
    const value = "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM";
    const response = await fetch(`http://127.0.0.1:${port}/present`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`lego:${password}`).toString("base64")}`,
      },
      body: JSON.stringify({ fqdn: "_acme-challenge.example.com.", value }),
    });
    expect(response.status, `${await response.clone().text()}\n${output}`).toBe(200);
    const zone = execFileSync(
      "git",
      ["--git-dir", join(rootfs, bareInImage), "show", "main:example.com.domain"],
      {
        encoding: "utf8",
      },
    );
    expect(zone).toMatch(new RegExp(`^_acme-challenge\\s+600\\s+IN\\s+TXT\\s+"${value}"`, "m"));
  });

  it("drains and exits 0 on SIGTERM", async () => {
    const launcher = service?.pid;
    expect(launcher).toBeDefined();
    const node = await childPid(launcher as number);
    expect(node).toBeDefined();
    const exited = new Promise<number | null>((resolve) => service?.once("exit", (code) => resolve(code)));
    process.kill(node as number, "SIGTERM");
    expect(await exited).toBe(0);
  });
});
