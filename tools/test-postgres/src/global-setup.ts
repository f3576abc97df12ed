/**
 * For a vitest `globalSetup` file: picks or starts the server once for the whole run and puts its
 * connection string in the environment, which the forked test workers (and the processes they
 * spawn) inherit. Returns the teardown that stops a private server.
 */
import { ADMIN_URL_ENV, SOCKET_DIR_ENV, type TestPostgresOptions, testPostgres } from "./test-postgres.js";

export async function setUpTestPostgres(options: TestPostgresOptions = {}): Promise<() => Promise<void>> {
  const server = await testPostgres({
    log: (line) => process.stderr.write(`[test-postgres] ${line}\n`),
    ...options,
  });
  const previous = { url: process.env[ADMIN_URL_ENV], socketDir: process.env[SOCKET_DIR_ENV] };
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  if (server.socketDir !== undefined) process.env[SOCKET_DIR_ENV] = server.socketDir;
  return async () => {
    restore(ADMIN_URL_ENV, previous.url);
    restore(SOCKET_DIR_ENV, previous.socketDir);
    await server.stop();
  };
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
