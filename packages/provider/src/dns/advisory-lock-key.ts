/**
 * The key of a PostgreSQL advisory lock, derived from a name: the schema migrations, the record
 * writer lease and the change queue of one DNS repository each lock on one.
 */
import { createHash } from "node:crypto";

/** Signed 64-bit advisory lock key derived from a name (e.g. the repository URL). */
export function advisoryLockKey(name: string): string {
  return createHash("sha256")
    .update(`httprequest-lego-provider:${name}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}
