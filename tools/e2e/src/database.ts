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

/** Where the server's unix socket is: `<dir>/.s.PGSQL.<port>`. */
export interface PgSocket {
  readonly dir: string;
  readonly port: number;
}

export function socketConnectString(database: string, socket: PgSocket, user = "postgres"): string {
  // "localhost" keeps the URL parseable by WHATWG URL; the host query parameter overrides it,
  // and the port names the socket file.
  return `postgresql://${user}@localhost:${socket.port}/${database}?host=${encodeURIComponent(socket.dir)}`;
}

async function withAdmin<T>(socket: PgSocket, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: socketConnectString("postgres", socket) });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL on the unix socket ${socket.dir}/.s.PGSQL.${socket.port} as user postgres ` +
        `(${err instanceof Error ? err.message : String(err)}); is it running, with trust or peer auth for local connections?`,
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(socket: PgSocket): Promise<TestDatabase> {
  const name = `e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await withAdmin(socket, (client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    connectString: socketConnectString(name, socket),
    drop: async () => {
      await withAdmin(socket, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
