import { LruMap } from "./lru-map.js";

/**
 * Login throttling, keyed so that nobody can lock out somebody else:
 *
 * - per (client address, username): the first PAIR_FREE_FAILURES failures are free, then each
 *   further failure closes that pair for an exponentially growing time (1 s, 2 s, 4 s, … at most
 *   PAIR_BACKOFF_MAX_MS). Failures of one address never close the pair of another address, so the
 *   real client's correct password keeps working while an attacker guesses from elsewhere;
 * - per client address across usernames (password spraying): ADDRESS_FAILURES_PER_WINDOW failures
 *   in ADDRESS_WINDOW_MS close the address for every username until the oldest leaves the window.
 *
 * An attempt is reserved synchronously by `begin`, right before the caller starts the KDF:
 * concurrent attempts count as failures until they settle, so a burst cannot outrun the limits.
 * Only passwords that must be verified are attempts; the caller answers a credential it already
 * verified from its cache without one, so a busy client is never throttled by its own traffic. Both tables
 * are LRU maps with a maximum size, because addresses and usernames are chosen by the client.
 */
export const PAIR_FREE_FAILURES = 5;
export const PAIR_BACKOFF_BASE_MS = 1_000;
export const PAIR_BACKOFF_MAX_MS = 15 * 60_000;
/** A pair with no failure for this long starts afresh. */
export const PAIR_FORGET_AFTER_MS = 60 * 60_000;
export const ADDRESS_FAILURES_PER_WINDOW = 30;
export const ADDRESS_WINDOW_MS = 5 * 60_000;
export const MAX_TRACKED_PAIRS = 20_000;
export const MAX_TRACKED_ADDRESSES = 20_000;

export interface LimiterSettings {
  readonly pairFreeFailures: number;
  readonly pairBackoffBaseMs: number;
  readonly pairBackoffMaxMs: number;
  readonly pairForgetAfterMs: number;
  readonly addressFailuresPerWindow: number;
  readonly addressWindowMs: number;
  readonly maxTrackedPairs: number;
  readonly maxTrackedAddresses: number;
}

export const DEFAULT_LIMITER_SETTINGS: LimiterSettings = {
  pairFreeFailures: PAIR_FREE_FAILURES,
  pairBackoffBaseMs: PAIR_BACKOFF_BASE_MS,
  pairBackoffMaxMs: PAIR_BACKOFF_MAX_MS,
  pairForgetAfterMs: PAIR_FORGET_AFTER_MS,
  addressFailuresPerWindow: ADDRESS_FAILURES_PER_WINDOW,
  addressWindowMs: ADDRESS_WINDOW_MS,
  maxTrackedPairs: MAX_TRACKED_PAIRS,
  maxTrackedAddresses: MAX_TRACKED_ADDRESSES,
};

/** A reserved attempt: settle it exactly once (later calls do nothing). */
export interface LoginAttempt {
  /** The password was right: the pair starts afresh (the address keeps its failures). */
  succeeded(): void;
  failed(): void;
  /** Neither (e.g. the database failed): just give the reservation back. */
  released(): void;
}

export type LoginAdmission =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly scope: "pair" | "address" };

interface PairState {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
  inFlight: number;
}

interface AddressState {
  /** Times of the most recent failures, oldest first, at most the per-window limit. */
  failures: number[];
  inFlight: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class LoginRateLimiter {
  private readonly settings: LimiterSettings;
  private readonly pairs: LruMap<string, PairState>;
  private readonly addresses: LruMap<string, AddressState>;

  constructor(
    settings: Partial<LimiterSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...DEFAULT_LIMITER_SETTINGS, ...settings };
    this.pairs = new LruMap(this.settings.maxTrackedPairs);
    this.addresses = new LruMap(this.settings.maxTrackedAddresses);
  }

  /**
   * Whether `username` from `address` is refused outright by failures already settled (a pair in
   * backoff, an address over its window); undefined when an attempt may be tried. Takes nothing.
   */
  blocked(address: string, username: string): { readonly retryAfterSeconds: number } | undefined {
    const s = this.settings;
    const t = this.now();
    const pair = this.pairs.peek(`${address}\0${username}`);
    if (pair && t < pair.blockedUntil) return { retryAfterSeconds: seconds(pair.blockedUntil - t) };
    const addr = this.addresses.peek(address);
    if (addr) {
      const recent = addr.failures.filter((f) => f > t - s.addressWindowMs);
      const oldest = recent[0];
      if (recent.length >= s.addressFailuresPerWindow && oldest !== undefined)
        return { retryAfterSeconds: seconds(oldest + s.addressWindowMs - t) };
    }
    return undefined;
  }

  /** Reserves an attempt by `username` from `address`, or says how long to wait. */
  begin(address: string, username: string): LoginAdmission {
    const s = this.settings;
    const t = this.now();
    const pairKey = `${address}\0${username}`;
    let pair = this.pairs.get(pairKey);
    if (pair && pair.inFlight === 0 && t - pair.lastFailure >= s.pairForgetAfterMs) {
      this.pairs.delete(pairKey);
      pair = undefined;
    }
    if (pair) {
      if (t < pair.blockedUntil)
        return { allowed: false, retryAfterSeconds: seconds(pair.blockedUntil - t), scope: "pair" };
      // Past the free failures, one attempt at a time: the next may only start once this one failed.
      if (pair.inFlight > 0 && pair.failures + pair.inFlight >= s.pairFreeFailures)
        return { allowed: false, retryAfterSeconds: 1, scope: "pair" };
    }
    let addr = this.addresses.get(address);
    if (addr) {
      addr.failures = addr.failures.filter((f) => f > t - s.addressWindowMs);
      if (addr.failures.length + addr.inFlight >= s.addressFailuresPerWindow) {
        const excess = addr.failures.length - s.addressFailuresPerWindow;
        const oldest = excess >= 0 ? addr.failures[excess] : undefined;
        const wait = oldest === undefined ? 1000 : oldest + s.addressWindowMs - t;
        return { allowed: false, retryAfterSeconds: seconds(wait), scope: "address" };
      }
    }
    pair ??= { failures: 0, lastFailure: t, blockedUntil: 0, inFlight: 0 };
    addr ??= { failures: [], inFlight: 0 };
    pair.inFlight += 1;
    addr.inFlight += 1;
    this.pairs.set(pairKey, pair);
    this.addresses.set(address, addr);
    return { allowed: true, attempt: this.attempt(pairKey, pair, address, addr) };
  }

  private attempt(pairKey: string, pair: PairState, address: string, addr: AddressState): LoginAttempt {
    let settled = false;
    const settle = (outcome: "success" | "failure" | "none") => {
      if (settled) return;
      settled = true;
      const s = this.settings;
      const t = this.now();
      pair.inFlight -= 1;
      addr.inFlight -= 1;
      if (outcome === "failure") {
        pair.failures += 1;
        pair.lastFailure = t;
        const over = pair.failures - s.pairFreeFailures;
        if (over >= 0) pair.blockedUntil = t + Math.min(s.pairBackoffMaxMs, s.pairBackoffBaseMs * 2 ** over);
        addr.failures.push(t);
        if (addr.failures.length > s.addressFailuresPerWindow) addr.failures.shift();
        // Set again: the entry may have been evicted while the KDF ran.
        this.pairs.set(pairKey, pair);
        this.addresses.set(address, addr);
        return;
      }
      if (outcome === "success") {
        pair.failures = 0;
        pair.blockedUntil = 0;
      }
      if (pair.inFlight === 0 && pair.failures === 0 && this.pairs.peek(pairKey) === pair)
        this.pairs.delete(pairKey);
      if (addr.inFlight === 0 && addr.failures.length === 0 && this.addresses.peek(address) === addr)
        this.addresses.delete(address);
    };
    return {
      succeeded: () => settle("success"),
      failed: () => settle("failure"),
      released: () => settle("none"),
    };
  }

  /** Entries currently tracked (for tests and metrics). */
  get tracked(): { pairs: number; addresses: number } {
    return { pairs: this.pairs.size, addresses: this.addresses.size };
  }
}
