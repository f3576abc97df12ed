/**
 * A fresh PostgreSQL database for one run, reached through the server's unix socket: a socket is
 * a file, so it stays reachable from inside the new network namespace, where the host's
 * 127.0.0.1:5432 is not.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  readonly name: string;
  /** For POSTGRESQL_DB_CONNECT_STRING; `host=` names the socket directory (libpq/pg convention). */
  readonly connectString: string;
  drop(): Promise<void>;
}

export function socketConnectString(database: string, socketDir: string, user = "postgres"): string {
  // "localhost" keeps the URL parseable by WHATWG URL; the host query parameter overrides it.
  return `postgresql://${user}@localhost/${database}?host=${encodeURIComponent(socketDir)}`;
}

async function withAdmin<T>(socketDir: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: socketConnectString("postgres", socketDir) });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL on the unix socket in ${socketDir} as user postgres ` +
        `(${err instanceof Error ? err.message : String(err)}); is it running, with trust or peer auth for local connections?`,
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(socketDir: string): Promise<TestDatabase> {
  const name = `e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await withAdmin(socketDir, (client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    connectString: socketConnectString(name, socketDir),
    drop: async () => {
      await withAdmin(socketDir, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
