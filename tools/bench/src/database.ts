/** A fresh PostgreSQL database for one bench run, and the bench user's Django-format password. */
import { pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";

export const DJANGO_ITERATIONS = 1_200_000;

/** `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` exactly as Django 6 stores it. */
export function djangoPbkdf2Hash(password: string, iterations = DJANGO_ITERATIONS): string {
  const salt = randomBytes(16).toString("base64url").replace(/[-_]/g, "x").slice(0, 22);
  const hash = pbkdf2Sync(password, salt, iterations, 32, "sha256").toString("base64");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash}`;
}

export interface BenchDatabase {
  readonly url: string;
  setPasswordHash(username: string, hash: string): Promise<void>;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const admin = new URL(adminUrl);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(admin.hostname))
    throw new Error("BENCH_PG_URL must point at loopback");
  const name = `hlp_bench_${Date.now()}_${process.pid}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async setPasswordHash(username, hash) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      const r = await c.query("update auth_user set password = $1 where username = $2", [hash, username]);
      await c.end();
      if (r.rowCount !== 1) throw new Error(`user ${username} not found to set its password hash`);
    },
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
