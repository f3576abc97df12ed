/**
 * A global cap on concurrent password-hash (KDF) runs. PBKDF2 at a million iterations costs a
 * core for a few hundred milliseconds; without a cap, a flood of logins queues unbounded work on
 * libuv's thread pool and delays everything else. At most KDF_MAX_CONCURRENT runs at once, at most
 * KDF_MAX_WAITING wait, and one client address holds at most KDF_MAX_PER_SOURCE places (running or
 * waiting), so a few addresses cannot fill the queue for everybody. When there is no place the
 * caller gets KdfBusyError at once (answered 429 with Retry-After) instead of piling up.
 */
export const KDF_MAX_CONCURRENT = 4;
export const KDF_MAX_WAITING = 64;
export const KDF_MAX_PER_SOURCE = 4;
export const KDF_BUSY_RETRY_AFTER_S = 1;

export class KdfBusyError extends Error {
  override readonly name = "KdfBusyError";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many password checks at once: try again in ${retryAfterSeconds} s`);
  }
}

export interface KdfGateSettings {
  readonly maxConcurrent: number;
  readonly maxWaiting: number;
  readonly maxPerSource: number;
}

export class KdfGate {
  private readonly settings: KdfGateSettings;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Places held per source; an entry exists only while it holds one, so the map stays small. */
  private readonly perSource = new Map<string, number>();

  constructor(settings: Partial<KdfGateSettings> = {}) {
    this.settings = {
      maxConcurrent: KDF_MAX_CONCURRENT,
      maxWaiting: KDF_MAX_WAITING,
      maxPerSource: KDF_MAX_PER_SOURCE,
      ...settings,
    };
  }

  /** Runs `kdf` when a place is free; throws KdfBusyError synchronously-fast when none is. */
  async run<T>(source: string, kdf: () => Promise<T>): Promise<T> {
    const held = this.perSource.get(source) ?? 0;
    const full = this.running >= this.settings.maxConcurrent;
    if (held >= this.settings.maxPerSource || (full && this.waiting.length >= this.settings.maxWaiting))
      throw new KdfBusyError(KDF_BUSY_RETRY_AFTER_S);
    this.perSource.set(source, held + 1);
    try {
      if (full) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.running += 1;
      try {
        return await kdf();
      } finally {
        // Hand the slot straight to the next waiter, or free it.
        const next = this.waiting.shift();
        if (next) next();
        else this.running -= 1;
      }
    } finally {
      const left = (this.perSource.get(source) ?? 1) - 1;
      if (left > 0) this.perSource.set(source, left);
      else this.perSource.delete(source);
    }
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
