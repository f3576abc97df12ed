/**
 * The poll loop behind the propagation check: one loop for every /present waiting at the same
 * time. Each round asks every server still missing a value once per name, however many waiters
 * need that answer (an apex and a wildcard certificate present two values on one name, a batch
 * brings many), then sleeps with a short backoff. It ends when nobody waits; every waiter has a
 * deadline, so it always ends. The DNS query and the clock are passed in, so the loop is pure
 * enough to test with a fake resolver and a fake clock.
 */

/** A server to query: its display name (`ns1.example.com:53`) and the address it resolved to. */
export interface ResolvedServer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** The TXT values `server` itself serves for `fqdn`; rejects (with a reason) when it answers none. */
export type TxtQuery = (server: ResolvedServer, fqdn: string) => Promise<readonly string[]>;

export interface PollClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ServedAt {
  readonly server: string;
  /** From the push to the first answer with the value. */
  readonly seconds: number;
}

export interface NotServed {
  readonly server: string;
  /** What the server answered last time it was asked. */
  readonly reason: string;
}

export interface PollResult {
  readonly served: readonly ServedAt[];
  /** Servers that had not served the value by the deadline; empty when all did. */
  readonly missing: readonly NotServed[];
}

export interface PollRequest {
  readonly fqdn: string;
  readonly value: string;
  readonly servers: readonly ResolvedServer[];
  /** When the change was pushed (clock milliseconds). */
  readonly pushedAt: number;
  /** Give up at this time (clock milliseconds). */
  readonly deadline: number;
}

interface Waiter {
  readonly request: PollRequest;
  readonly pending: Map<string, ResolvedServer>;
  readonly reasons: Map<string, string>;
  readonly served: ServedAt[];
  readonly resolve: (result: PollResult) => void;
}

/**
 * Waits until the pending promise callbacks have run: the callers of one git batch are answered
 * together, so by then they have all joined and the round asks for all of them at once.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const STOPPING = "was not asked again: the service is stopping";

/**
 * A waiter's result as it stands: what was served, and what each missing server last answered
 * (every server is asked in the first round, so only a stop can leave one unasked).
 */
function unfinished(w: Waiter): PollResult {
  const missing = [...w.pending.keys()].map((server) => ({
    server,
    reason: w.reasons.get(server) ?? STOPPING,
  }));
  return { served: w.served, missing };
}

/** Delays between rounds: short at first (most servers reload within a second), then 1 s. */
export const BACKOFF_MS: readonly number[] = [100, 200, 400, 800, 1000];

export class PollLoop {
  private readonly waiters = new Set<Waiter>();
  private running = false;
  private round = 0;
  /** A request came in since the current round began: the next round starts without a pause. */
  private arrived = false;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly query: TxtQuery,
    private readonly clock: PollClock,
  ) {}

  /** Resolves once every server serves the value, or at the deadline with the ones that do not. */
  waitFor(request: PollRequest): Promise<PollResult> {
    return new Promise((resolve) => {
      const pending = new Map(request.servers.map((s) => [s.name, s]));
      const waiter: Waiter = { request, pending, reasons: new Map(), served: [], resolve };
      if (this.closed) {
        resolve(unfinished(waiter));
        return;
      }
      this.waiters.add(waiter);
      // A newcomer is asked at once, and the backoff starts over for it.
      this.round = 0;
      this.arrived = true;
      this.wake?.();
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  /**
   * Shutting down: every waiter is answered now with the servers still missing, and later ones at
   * once, so in-flight requests finish instead of holding the shutdown up to the timeout.
   */
  close(): void {
    this.closed = true;
    for (const w of this.waiters) w.resolve(unfinished(w));
    this.waiters.clear();
    this.wake?.();
  }

  /** How many requests are waiting. */
  get waiting(): number {
    return this.waiters.size;
  }

  private async run(): Promise<void> {
    try {
      await nextTurn();
      while (this.waiters.size > 0) {
        await this.pollOnce();
        this.settle();
        if (this.waiters.size === 0) break;
        await this.pause();
      }
    } finally {
      this.running = false;
    }
  }

  /** One query per (server, name) that some waiter still needs. */
  private async pollOnce(): Promise<void> {
    this.arrived = false;
    const asks = new Map<string, { server: ResolvedServer; fqdn: string; waiters: Waiter[] }>();
    for (const w of this.waiters) {
      for (const server of w.pending.values()) {
        const key = `${server.name}\n${server.address}\n${w.request.fqdn}`;
        const ask = asks.get(key) ?? { server, fqdn: w.request.fqdn, waiters: [] };
        ask.waiters.push(w);
        asks.set(key, ask);
      }
    }
    const answers = await Promise.all(
      [...asks.values()].map((ask) =>
        this.query(ask.server, ask.fqdn).then(
          (values) => ({ ask, values, reason: undefined }),
          (err: unknown) => ({
            ask,
            values: undefined,
            reason: err instanceof Error ? err.message : String(err),
          }),
        ),
      ),
    );
    const at = this.clock.now();
    for (const { ask, values, reason } of answers) {
      for (const w of ask.waiters) {
        if (values?.includes(w.request.value)) {
          w.pending.delete(ask.server.name);
          w.served.push({ server: ask.server.name, seconds: Math.max(0, at - w.request.pushedAt) / 1000 });
        } else {
          w.reasons.set(ask.server.name, reason ?? "answers without the new value");
        }
      }
    }
  }

  /** Answers the waiters that are done: all served, or out of time. */
  private settle(): void {
    const now = this.clock.now();
    for (const w of this.waiters) {
      if (w.pending.size > 0 && now < w.request.deadline) continue;
      this.waiters.delete(w);
      w.resolve(unfinished(w));
    }
  }

  /** Sleeps for the next backoff step, never past the earliest deadline; a newcomer wakes it. */
  private async pause(): Promise<void> {
    if (this.arrived) return nextTurn();
    const now = this.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const w of this.waiters) earliest = Math.min(earliest, w.request.deadline);
    const step = BACKOFF_MS[Math.min(this.round, BACKOFF_MS.length - 1)] as number;
    this.round += 1;
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([this.clock.sleep(Math.max(0, Math.min(step, earliest - now))), woken]);
    this.wake = undefined;
  }
}
