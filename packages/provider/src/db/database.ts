import { execFile } from "node:child_process";
import { access, mkdir, readFile, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import type { PGliteOptions } from "@electric-sql/pglite";
import knexFactory, { type Knex } from "knex";
import { tightenTree } from "../file-modes.js";
import {
  type ChangeListener,
  type ChangeSubscription,
  DEAF_SUBSCRIPTION,
  listenOnPostgres,
} from "./change-feed.js";
import { embeddedSocketDir } from "./embedded-socket-dir.js";
import { tapNotifications } from "./pglite-notifications.js";

/** An open database: PostgreSQL, or the embedded PGlite reached over its local socket. */
export interface Database {
  readonly knex: Knex;
  readonly kind: "postgresql" | "pglite";
  /** Human-readable location for start-up output (never contains a password). */
  readonly description: string;
  /**
   * Hears NOTIFY on `channel`, from every writer of the database. `onError` learns why the feed
   * was lost (it is retried meanwhile).
   */
  listen(
    channel: string,
    listener: ChangeListener,
    onError?: (err: unknown) => void,
  ): Promise<ChangeSubscription>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
}

export interface OpenDatabaseOptions {
  readonly url: string | undefined;
  readonly dataDir: string;
  /**
   * "server": the long-running service, which must own an embedded database.
   * "client": a management command, which uses the running service's socket when there is one.
   */
  readonly role: "server" | "client";
  /**
   * Where knex's own messages go instead of stdout (unstructured, coloured, and one stack per
   * refused connection while the database is down).
   */
  readonly log?: DatabaseLog;
}

export type DatabaseLog = (level: "debug" | "warn" | "error", message: string) => void;

/** knex's `log` option, from one sink. */
function knexLog(log: DatabaseLog | undefined): Knex.Config["log"] {
  if (!log) return undefined;
  const text = (m: unknown): string =>
    typeof m === "string" ? m : m instanceof Error ? m.message : String(m);
  return {
    debug: (m: unknown) => log("debug", text(m)),
    warn: (m: unknown) => log("warn", text(m)),
    error: (m: unknown) => log("error", text(m)),
    deprecate: (method: string, alternative: string) =>
      log("warn", `${method} is deprecated: use ${alternative}`),
  };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.log);
  return openEmbedded(options.dataDir, options.role, options.log);
}

function openPostgres(url: string, log: DatabaseLog | undefined): Database {
  const knex = knexFactory({
    client: "pg",
    connection: url,
    pool: { min: 0, max: 10 },
    log: knexLog(log),
  });
  const safe = new URL(url);
  safe.password = "";
  return {
    knex,
    kind: "postgresql",
    description: `PostgreSQL ${safe.host}${safe.pathname}`,
    listen: (channel, listener, onError) =>
      listenOnPostgres({ connectionString: url }, channel, listener, onError),
    close: () => knex.destroy(),
  };
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function pgliteKnex(socketDir: string, pool: number, log: DatabaseLog | undefined): Knex {
  return knexFactory({
    client: "pg",
    log: knexLog(log),
    connection: { host: socketDir, port: 5432, user: "postgres", database: "postgres" },
    // PGlite runs one query at a time; one connection per process keeps transactions whole.
    pool: { min: 0, max: pool },
  });
}

/**
 * PGlite allocates and zeroes PostgreSQL's whole shared memory at start, so every megabyte sized
 * here is resident in the service for its whole life (decision 0005). The hot path writes only
 * appended audit rows (a heap page and the right edge of three indexes) and reads principals
 * that are cached in process, so 2 MB of buffers (256 pages) hold what it touches; anything
 * else is read from the data files on demand. PGlite is one backend in single-user mode: the
 * lock and process tables sized for 100 connections and the WAL senders and replication slots
 * it can never serve were ~2 MB more. 30 MB → 12 MB of WebAssembly memory touched at idle.
 */
const PGLITE_SETTINGS = [
  "-c",
  "shared_buffers=2MB",
  "-c",
  "max_connections=8",
  "-c",
  "max_wal_senders=0",
  "-c",
  "max_replication_slots=0",
];

/**
 * Creates the cluster (initdb) in a short-lived child process when the data directory has none:
 * initdb's WebAssembly instance peaks near 700 MB, and memory a process once touched is not given
 * back, so running it in the service would keep that peak for the service's whole life.
 */
async function initEmbeddedCluster(pgdata: string): Promise<void> {
  try {
    await access(path.join(pgdata, "PG_VERSION"));
    return;
  } catch {
    // No cluster yet.
  }
  const module = import.meta.resolve("@electric-sql/pglite");
  const code =
    "const { PGlite } = await import(process.argv[1]); const db = await PGlite.create(process.argv[2]); await db.close();";
  await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code, module, pgdata]);
}

type PgliteWasmModule = NonNullable<PGliteOptions["pgliteWasmModule"]>;
/** The one WebAssembly call used here (the project compiles without the DOM's type library). */
interface WithWebAssembly {
  readonly WebAssembly: { compile(bytes: Uint8Array): Promise<PgliteWasmModule> };
}

/**
 * PGlite's WebAssembly module, compiled here instead of by PGlite: PGlite reads the 9 MB file into
 * a buffer that stays resident after V8 has copied it, until a full garbage collection (at idle,
 * maybe never). Detaching it moves its memory to a young object that the next scavenge frees.
 */
async function compilePglite(): Promise<PgliteWasmModule> {
  const bytes = await readFile(new URL("./pglite.wasm", import.meta.resolve("@electric-sql/pglite")));
  try {
    return await (globalThis as unknown as WithWebAssembly).WebAssembly.compile(bytes);
  } finally {
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  }
}

const PGLITE_TIGHTEN_INTERVAL_MS = 60_000;

/**
 * PGlite is single-process, so one process (the service, or a CLI command when no service runs)
 * hosts it and serves it on a unix socket in the data dir; everyone else connects to that socket
 * with the ordinary pg driver. All SQL therefore goes through one driver on both databases.
 */
async function openEmbedded(
  dataDir: string,
  role: "server" | "client",
  log: DatabaseLog | undefined,
): Promise<Database> {
  const socketDir = embeddedSocketDir(dataDir);
  const socketPath = path.join(socketDir, ".s.PGSQL.5432");
  const pgdata = path.join(dataDir, "pglite");
  if (await socketAnswers(socketPath)) {
    if (role === "server") {
      throw new DatabaseUnavailableError(
        `The embedded database in ${pgdata} is already served by another process (socket ${socketPath}). ` +
          "Stop the other service, or set POSTGRESQL_DB_CONNECT_STRING.",
      );
    }
    const knex = pgliteKnex(socketDir, 1, log);
    return {
      knex,
      kind: "pglite",
      description: `embedded PGlite ${pgdata} (via the running service)`,
      // Notifications reach only the hosting process (see tapNotifications).
      listen: async () => DEAF_SUBSCRIPTION,
      close: () => knex.destroy(),
    };
  }
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true });
  // A socket file that does not answer was left by a process that died.
  await rm(socketPath, { force: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  await initEmbeddedCluster(pgdata);
  const db = await PGlite.create(pgdata, {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    pgliteWasmModule: await compilePglite(),
  });
  // PGlite's virtual file system sets file modes itself (0666), ignoring the process umask. The
  // data dir is 0700, so no other user can reach them; still, they are tightened after opening,
  // every minute while open, and after closing, so the files at rest are 0600 too.
  await tightenTree(pgdata);
  const tightening = setInterval(() => {
    tightenTree(pgdata).catch(() => {});
  }, PGLITE_TIGHTEN_INTERVAL_MS);
  tightening.unref();
  const listeners = new Map<string, Set<ChangeListener>>();
  const announce = (channel: string, payload: string) => {
    for (const listener of listeners.get(channel) ?? []) listener.onNotification(payload);
  };
  tapNotifications(db, announce);
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 32 });
  await server.start();
  const knex = pgliteKnex(socketDir, 1, log);
  return {
    knex,
    kind: "pglite",
    description: `embedded PGlite ${pgdata}`,
    async listen(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        // The one backend session listens for everybody; in-process queries are announced here.
        await db.listen(channel, (payload) => announce(channel, payload));
      }
      set.add(listener);
      const added = listener;
      added.onReset();
      // The database lives in this process: the feed cannot be lost while it is open.
      return {
        connected: true,
        close: async () => {
          set.delete(added);
        },
      };
    },
    close: async () => {
      await knex.destroy();
      clearInterval(tightening);
      await server.stop();
      await db.close();
      await tightenTree(pgdata);
      await rm(socketPath, { force: true });
    },
  };
}
