import { createHmac, randomBytes } from "node:crypto";

/** Shared verifications in flight; past this, a verification simply is not shared. */
export const CACHE_MAX_INFLIGHT = 1_000;

/**
 * Remembers credentials that recently verified, so repeated Basic auth by one client costs an HMAC
 * instead of a KDF run. Entries are keyed by HMAC(process-local key, username, password, stored
 * hash): the cache never holds a usable secret, and changing the password changes the stored hash,
 * which invalidates every entry for the old one without any bookkeeping. Deactivation is checked
 * by the caller on the user row it loads anyway.
 */
export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private keyFor(username: string, password: string, storedHash: string): string {
    return createHmac("sha256", this.key)
      .update(username)
      .update("\0")
      .update(password)
      .update("\0")
      .update(storedHash)
      .digest("base64");
  }

  private fresh(k: string): boolean {
    const expires = this.entries.get(k);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.entries.delete(k);
      return false;
    }
    return true;
  }

  /**
   * Answers from the cache, or runs `verify` — once per credential at a time: concurrent requests
   * with the same not-yet-cached credentials share one KDF run instead of each paying for it.
   */
  async check(
    username: string,
    password: string,
    storedHash: string,
    verify: () => Promise<boolean>,
  ): Promise<{ ok: boolean; cached: boolean }> {
    const k = this.keyFor(username, password, storedHash);
    if (this.fresh(k)) return { ok: true, cached: true };
    let pending = this.inflight.get(k);
    if (!pending) {
      pending = verify();
      if (this.inflight.size < CACHE_MAX_INFLIGHT) {
        this.inflight.set(k, pending);
        const forget = () => this.inflight.delete(k);
        pending.then(forget, forget);
      }
    }
    const ok = await pending;
    if (ok) this.store(k);
    return { ok, cached: false };
  }

  private store(k: string): void {
    this.entries.delete(k);
    this.entries.set(k, this.now() + this.ttlMs);
    // Map keeps insertion order: the first key is the oldest.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
