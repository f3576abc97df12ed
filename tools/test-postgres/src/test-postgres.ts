/**
 * The one place test suites get their PostgreSQL admin connection from: TEST_PG_ADMIN_URL when
 * set; else the machine's server on 127.0.0.1:5432 when it answers with trust authentication;
 * else a private throw-away cluster started for this run (and stopped by `stop()`).
 */

import { startPrivateCluster } from "./private-cluster.js";
import { probe } from "./probe.js";

/** The environment variable that names the admin connection string (and overrides detection). */
export const ADMIN_URL_ENV = "TEST_PG_ADMIN_URL";
/** Set alongside it when the server's unix socket directory is known (a private cluster's). */
export const SOCKET_DIR_ENV = "TEST_PG_SOCKET_DIR";
/** Where to look for a running server instead of 127.0.0.1:5432 (say, to exercise the fallback). */
export const PROBE_URL_ENV = "TEST_PG_PROBE_URL";
export const MACHINE_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export type TestPostgresOrigin = "env" | "machine" | "private";

export interface TestPostgres {
  /** Superuser connection string; tests create their own databases through it. */
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  /** Unix socket directory when known (always for a private cluster). */
  readonly socketDir: string | undefined;
  readonly origin: TestPostgresOrigin;
  /** Stops and deletes a private cluster; does nothing to a server this run did not start. */
  stop(): Promise<void>;
}

export interface TestPostgresOptions {
  /** Where to look for an already running server (default: TEST_PG_PROBE_URL, else 127.0.0.1:5432). */
  readonly probeUrl?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

function describe(adminUrl: string, origin: TestPostgresOrigin, socketDir?: string): TestPostgres {
  const url = new URL(adminUrl);
  return {
    adminUrl,
    host: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    socketDir,
    origin,
    stop: async () => {},
  };
}

export async function testPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const fromEnv = env[ADMIN_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    return describe(fromEnv, "env", env[SOCKET_DIR_ENV] || undefined);
  }
  const probeUrl = options.probeUrl ?? (env[PROBE_URL_ENV] || MACHINE_SERVER_URL);
  const answer = await probe(probeUrl);
  if (answer.ok) return describe(probeUrl, "machine");
  const where = new URL(probeUrl);
  log(
    `no PostgreSQL with trust auth on ${where.host} (${answer.reason}); ` +
      `starting a private one for this run (set ${ADMIN_URL_ENV} to use another server)`,
  );
  const cluster = await startPrivateCluster();
  log(`private PostgreSQL on ${cluster.host}:${cluster.port}, data in ${cluster.dir}`);
  return { ...describe(cluster.adminUrl, "private", cluster.socketDir), stop: () => cluster.stop() };
}

/**
 * The admin connection string inside a test worker, where the global setup has put it in the
 * environment. Fails with a hint instead of silently reaching some other server.
 */
export function adminUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env[ADMIN_URL_ENV];
  if (url === undefined || url === "") {
    throw new Error(
      `${ADMIN_URL_ENV} is not set: run these tests through vitest (its globalSetup picks or starts ` +
        "a PostgreSQL server and sets it), or set it to a server with trust authentication",
    );
  }
  return url;
}
