import { LruMap } from "../auth/lru-map.js";

/**
 * /register is anonymous and every account costs a password hash and two rows: at most
 * `perWindow` accounts per client address per window (acme-dns has no limit at all).
 */
export class RegisterLimiter {
  private readonly windows = new LruMap<string, { start: number; count: number }>(10_000);

  constructor(
    private readonly perWindow = 5,
    private readonly windowMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one registration for `address`; returns seconds to wait when none is left. */
  take(address: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const current = this.windows.get(address);
    const window =
      current === undefined || now - current.start >= this.windowMs ? { start: now, count: 0 } : current;
    if (window.count >= this.perWindow) {
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)),
      };
    }
    this.windows.set(address, { start: window.start, count: window.count + 1 });
    return { ok: true };
  }
}
