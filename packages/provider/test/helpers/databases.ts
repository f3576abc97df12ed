import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { adminUrlFromEnv } from "@httprequest-lego-provider/test-postgres";
import pg from "pg";
import { type Database, openDatabase } from "../../src/db/database.js";

/**
 * The run's PostgreSQL server (trust auth), chosen or started once by test/postgres-setup.ts;
 * each test file gets its own database.
 */
export const PG_ADMIN_URL = adminUrlFromEnv();

export interface TestDatabase {
  readonly db: Database;
  /** Connection string a subprocess can use (undefined for PGlite: use `dataDir`). */
  readonly url: string | undefined;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export type DatabaseKind = "postgresql" | "pglite";
export const DATABASE_KINDS: DatabaseKind[] = ["postgresql", "pglite"];

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hlp_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hlp-db-"));
  if (kind === "postgresql") {
    const { url, drop } = await createPostgresDatabase();
    const db = await openDatabase({ url, dataDir, role: "server" });
    return {
      db,
      url,
      dataDir,
      async dispose() {
        await db.close();
        await drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const db = await openDatabase({ url: undefined, dataDir, role: "server" });
  return {
    db,
    url: undefined,
    dataDir,
    async dispose() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
