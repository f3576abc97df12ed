/**
 * Counts failed logins per client address and per username in a sliding window. Once either
 * key reaches its limit, further attempts are refused (without checking the password) until the
 * oldest failure leaves the window. A success does not clear the address counter, so a password
 * sprayer with one valid account gains nothing.
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perAddress = 30,
    private readonly perUsername = 10,
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  check(address: string, username: string): RateLimitDecision {
    const t = this.now();
    const a = this.recent(`ip:${address}`, t);
    const u = this.recent(`user:${username}`, t);
    const blocked: number[] = [];
    if (a.length >= this.perAddress) blocked.push(a[a.length - this.perAddress] ?? t);
    if (username !== "" && u.length >= this.perUsername) blocked.push(u[u.length - this.perUsername] ?? t);
    if (blocked.length === 0) return { allowed: true, retryAfterSeconds: 0 };
    const until = Math.max(...blocked.map((first) => first + this.windowMs));
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - t) / 1000)) };
  }

  recordFailure(address: string, username: string): void {
    const t = this.now();
    for (const key of [`ip:${address}`, ...(username === "" ? [] : [`user:${username}`])]) {
      const list = this.recent(key, t);
      list.push(t);
      this.failures.set(key, list);
    }
    if (this.failures.size > 100_000) this.prune(t);
  }

  recordSuccess(username: string): void {
    this.failures.delete(`user:${username}`);
  }

  private recent(key: string, t: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const kept = list.filter((x) => x > t - this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  private prune(t: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, t);
  }
}
