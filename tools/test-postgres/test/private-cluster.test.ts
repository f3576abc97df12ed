/**
 * The fallback for a machine without a PostgreSQL server: detection pointed at a port where
 * nothing listens must start a private cluster that works, and stop() must delete it.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { adminUrlFromEnv, type TestPostgres, testPostgres } from "../src/index.js";

/** A port that was free a moment ago: nothing answers there. */
async function silentPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("testPostgres", () => {
  it("uses TEST_PG_ADMIN_URL as given, without probing, and stop() leaves that server alone", async () => {
    const server = await testPostgres({
      env: { TEST_PG_ADMIN_URL: "postgresql://u@db.example:6543/x" },
      probeUrl: "postgresql://postgres@127.0.0.1:1/postgres",
    });
    expect(server).toMatchObject({ origin: "env", host: "db.example", port: 6543, socketDir: undefined });
    await server.stop();
  });

  it("fails with a hint when a worker has no admin URL in its environment", () => {
    expect(() => adminUrlFromEnv({})).toThrow(/TEST_PG_ADMIN_URL is not set.*globalSetup/);
  });

  describe("with nothing answering", () => {
    let server: TestPostgres | undefined;
    afterAll(async () => server?.stop());

    it("starts a private cluster, serves a new database through pg, and deletes it on stop()", async () => {
      const lines: string[] = [];
      const port = await silentPort();
      server = await testPostgres({
        env: {},
        probeUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
        log: (line) => lines.push(line),
      });
      expect(server.origin).toBe("private");
      expect(server.host).toBe("127.0.0.1");
      expect(server.port).not.toBe(5432);
      expect(lines[0]).toContain(`no PostgreSQL with trust auth on 127.0.0.1:${port}`);
      const dir = server.socketDir;
      expect(dir !== undefined && existsSync(`${dir}/.s.PGSQL.${server.port}`)).toBe(true);

      await query(server.adminUrl, "CREATE DATABASE fallback_check");
      const url = new URL(server.adminUrl);
      url.pathname = "/fallback_check";
      await query(url.toString(), "CREATE TABLE t (n int); INSERT INTO t VALUES (41), (1)");
      const rows = await query<{ sum: string }>(url.toString(), "SELECT sum(n) FROM t");
      expect(rows[0]?.sum).toBe("42");

      await server.stop();
      server = undefined;
      expect(dir !== undefined && existsSync(dir)).toBe(false);
    });
  });
});
