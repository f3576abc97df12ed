/**
 * RemoteLock on a PostgreSQL transaction-scoped advisory lock: replicas sharing one database
 * take turns pushing to the DNS repository. The lock is released when the transaction ends,
 * so a crashed holder never leaves it taken.
 */
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { DnsBackendError } from "../errors.js";
import type { RemoteLock } from "./remote-lock.js";

/** Signed 64-bit advisory lock key derived from a name (e.g. the repository URL). */
export function advisoryLockKey(name: string): string {
  return createHash("sha256")
    .update(`httprequest-lego-provider:${name}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

export function createAdvisoryLock(knex: Knex, name: string, options?: { timeoutMs?: number }): RemoteLock {
  const key = advisoryLockKey(name);
  const timeoutMs = options?.timeoutMs ?? 30_000;
  return {
    async withLock<T>(fn: () => Promise<T>): Promise<T> {
      return knex.transaction(async (trx) => {
        await trx.raw("select set_config('lock_timeout', ?, true)", [`${timeoutMs}ms`]);
        try {
          await trx.raw("select pg_advisory_xact_lock(?::bigint)", [key]);
        } catch (err) {
          throw new DnsBackendError(
            `Another replica held the DNS repository lock for more than ${timeoutMs} ms; try again`,
            { cause: err, unavailable: true },
          );
        }
        return fn();
      });
    },
  };
}
