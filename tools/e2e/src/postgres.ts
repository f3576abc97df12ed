/**
 * The PostgreSQL server of a run, settled by the launcher before it enters the network namespace:
 * inside it only a unix socket reaches a server, so the inner run gets a socket directory and port.
 */
import { testPostgres } from "@httprequest-lego-provider/test-postgres";
import type { Options } from "./options.js";

/** Debian's socket directory for its system clusters. */
const DEBIAN_SOCKET_DIR = "/var/run/postgresql";

export interface RunPostgres {
  /** The options with `pgSocketDir` and `pgPort` set. */
  readonly options: Options;
  /** Stops a private server started for this run; nothing otherwise. */
  stop(): Promise<void>;
}

export async function pickPostgres(options: Options, say: (line: string) => void): Promise<RunPostgres> {
  if (options.pgSocketDir !== undefined) return { options, stop: async () => {} };
  const server = await testPostgres({ log: say });
  const dir = server.socketDir ?? DEBIAN_SOCKET_DIR;
  say(
    `PostgreSQL: ${server.origin === "private" ? "private server" : server.host}, socket ${dir}/.s.PGSQL.${server.port}`,
  );
  return { options: { ...options, pgSocketDir: dir, pgPort: server.port }, stop: () => server.stop() };
}
