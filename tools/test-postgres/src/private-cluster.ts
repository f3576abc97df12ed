/**
 * A throw-away PostgreSQL cluster for one test run: Debian's server binaries, `initdb` into a
 * temporary directory with trust authentication, listening on 127.0.0.1 on a free port with its
 * unix socket in that directory. Nothing system-wide is started, changed or left behind.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { appendFile, chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@httprequest-lego-provider/free-port";
import { output } from "@httprequest-lego-provider/run-command";

/** Where Debian's `postgresql-NN` packages put the server binaries. */
export const DEBIAN_POSTGRESQL_LIB = "/usr/lib/postgresql";

export interface PrivateCluster {
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  /** Directory of the unix socket `.s.PGSQL.<port>`. */
  readonly socketDir: string;
  /** Everything of the cluster lives below here; `stop()` deletes it. */
  readonly dir: string;
  /** Shuts the server down (fast: sessions are cut) and keeps its data, for outage tests. */
  pause(): Promise<void>;
  /** Starts it again on the same port after `pause()`. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`, or undefined. */
export function findServerBinDir(root = DEBIAN_POSTGRESQL_LIB): string | undefined {
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .filter((version) => existsSync(join(root, version, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, "bin"))[0];
}

/** postgres refuses to run as root; as root, run its tools as the `postgres` user the package creates. */
function asServerUser(file: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, [...args]];
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await output(["id", "-u", "postgres"])).trim());
    const gid = Number((await output(["id", "-g", "postgres"])).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root, but there is no `postgres` user to run the private PostgreSQL server as " +
        "(postgres refuses to run as root); install Debian's postgresql package, which creates it, " +
        "or set TEST_PG_ADMIN_URL to a server with trust authentication",
    );
  }
}

export async function startPrivateCluster(binDir = findServerBinDir()): Promise<PrivateCluster> {
  if (binDir === undefined) {
    throw new Error(
      `no PostgreSQL server binaries under ${DEBIAN_POSTGRESQL_LIB}/*/bin to start a private test server; ` +
        "run `node tools/ensure-system-deps.mjs` as root (or `sudo apt-get install -y postgresql`), " +
        "or set TEST_PG_ADMIN_URL to a server with trust authentication",
    );
  }
  const isRoot = process.getuid?.() === 0;
  // As root, TMPDIR may be below /root, which the postgres user cannot enter; /tmp always works.
  const dir = await mkdtemp(join(isRoot ? "/tmp" : tmpdir(), "test-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const run = async (tool: string, args: readonly string[]) => {
    const [file, argv] = asServerUser(join(binDir, tool), args);
    try {
      await output([file, ...argv], { timeoutMs: 120_000 });
    } catch (err) {
      const serverLog = await readFile(log, "utf8").catch(() => "");
      const detail = err instanceof Error ? err.message : String(err);
      throw new Error(`${tool} failed for the private test PostgreSQL in ${dir}: ${detail}\n${serverLog}`);
    }
  };
  let started = false;
  const cleanUp = () => {
    if (started) {
      const [file, argv] = asServerUser(join(binDir, "pg_ctl"), [
        "stop",
        "-D",
        data,
        "-m",
        "immediate",
        "-w",
      ]);
      // An "exit" handler cannot wait for a promise: the one synchronous child process in the tools.
      spawnSync(file, argv, { stdio: "ignore", timeout: 30_000 });
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A run that ends without calling stop() (a crash, process.exit) must not leave a server behind.
  process.once("exit", cleanUp);
  try {
    if (isRoot) {
      const { uid, gid } = await postgresIds();
      await chown(dir, uid, gid);
    }
    await run("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    const port = await freePort();
    // Durability is worthless for a throw-away cluster; skipping fsync keeps the tests fast.
    await appendFile(
      join(data, "postgresql.conf"),
      [
        "",
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "",
      ].join("\n"),
    );
    started = true;
    await run("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "60"]);
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    return {
      adminUrl,
      host: "127.0.0.1",
      port,
      socketDir: dir,
      dir,
      async pause() {
        await run("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", "60"]);
      },
      async resume() {
        await run("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "60"]);
      },
      async stop() {
        process.removeListener("exit", cleanUp);
        try {
          if (started) await run("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", "60"]);
          started = false;
        } finally {
          cleanUp();
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    process.removeListener("exit", cleanUp);
    cleanUp();
    throw err;
  }
}
