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

/** PostgreSQL's lock_not_available: the lock_timeout ran out while another session held the lock. */
const LOCK_NOT_AVAILABLE = "55P03";

export function createAdvisoryLock(
  knex: Knex,
  name: string,
  options?: { timeoutMs?: number; onUnavailable?: (err: unknown) => void },
): RemoteLock {
  const key = advisoryLockKey(name);
  const timeoutMs = options?.timeoutMs ?? 30_000;
  return {
    async withLock<T>(fn: () => Promise<T>): Promise<T> {
      let outcome: { readonly value: T } | undefined;
      let entered = false;
      try {
        return await knex.transaction(async (trx) => {
          await trx.raw("select set_config('lock_timeout', ?, true)", [`${timeoutMs}ms`]);
          try {
            await trx.raw("select pg_advisory_xact_lock(?::bigint)", [key]);
          } catch (err) {
            if ((err as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw err;
            throw new DnsBackendError(
              `Another replica held the DNS repository lock for more than ${timeoutMs} ms; try again`,
              { cause: err, unavailable: true },
            );
          }
          entered = true;
          outcome = { value: await fn() };
          return outcome.value;
        });
      } catch (err) {
        // The work is done and pushed; only ending the lock's transaction failed.
        if (outcome) return outcome.value;
        if (entered || err instanceof DnsBackendError) throw err;
        // The database is unreachable. The lock only keeps replicas from wasting pushes on each
        // other; a push onto the tip this process saw is safe without it (decisions 0101, 0322),
        // so challenges keep landing through a database outage.
        options?.onUnavailable?.(err);
        return fn();
      }
    },
  };
}
