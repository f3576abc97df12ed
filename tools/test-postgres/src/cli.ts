#!/usr/bin/env node
/**
 * Runs one command with a PostgreSQL server for tests, for runners that are not vitest (the e2e
 * run): the same choice as the test suites make, passed on in the environment.
 */
import { killRunningCommands, run } from "@httprequest-lego-provider/run-command";
import { ADMIN_URL_ENV, SOCKET_DIR_ENV, testPostgres } from "./test-postgres.js";

const HELP = `Usage: node tools/test-postgres/dist/cli.js [--] <command> [args...]

Runs <command> with ${ADMIN_URL_ENV} (a superuser connection string with trust authentication)
and, when known, ${SOCKET_DIR_ENV} (the server's unix socket directory) in its environment:
  1. ${ADMIN_URL_ENV} as already set, if it is;
  2. else the machine's server on 127.0.0.1:5432 (or at TEST_PG_PROBE_URL), if it answers as
     user postgres without a password;
  3. else a private throw-away cluster (Debian's postgresql package, /usr/lib/postgresql/*/bin),
     on 127.0.0.1 on a free port, stopped and deleted when <command> ends.
Exits with <command>'s exit status.

Options:
  -h, --help  show this help`;

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") {
    console.log(HELP);
    return 0;
  }
  const [command, ...args] = argv[0] === "--" ? argv.slice(1) : argv;
  if (command === undefined) {
    console.error(`test-postgres: no command given\n\n${HELP}`);
    return 2;
  }
  const server = await testPostgres({ log: (line) => console.error(`[test-postgres] ${line}`) });
  const env: NodeJS.ProcessEnv = { ...process.env, [ADMIN_URL_ENV]: server.adminUrl };
  if (server.socketDir !== undefined) env[SOCKET_DIR_ENV] = server.socketDir;
  try {
    // The command owns the terminal; forward the signals that should end it, not this wrapper.
    const forward = (signal: NodeJS.Signals) => killRunningCommands(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    try {
      // A death by signal N is reported as 128 + N, as a shell does.
      return (await run([command, ...args], { env, inherit: true, allowFailure: true })).code;
    } finally {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
    }
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    console.error(`test-postgres: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
