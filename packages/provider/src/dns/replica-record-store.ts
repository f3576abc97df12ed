/**
 * RecordStore for replicas sharing one PostgreSQL database and one DNS repository (decision
 * 0109). One replica at a time — the holder of the writer lease — writes the repository with its
 * own store (one group commit for everybody, on a clone that stays current, so nobody fetches per
 * batch). The others queue their changes in PostgreSQL and answer their callers when the writer
 * has answered the rows. A replica that cannot reach the queue writes the repository itself:
 * concurrent pushes are still correct (a lost race is fetched and re-applied), only slower.
 */
import type { Knex } from "knex";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { DatabaseBreaker } from "../db/reachability.js";
import { AppError, DnsBackendError } from "../errors.js";
import { advisoryLockKey } from "./advisory-lock-key.js";
import {
  ANSWERED_CHANNEL,
  type ChangeAnswer,
  ChangeQueue,
  failureAnswer,
  parseAnsweredNotice,
  parseQueuedNotice,
  QUEUED_CHANNEL,
  type QueuedChange,
  successAnswer,
} from "./change-queue.js";
import type { RecordStore, StoreHealth, StoreResult } from "./record-store.js";
import { WriterLease } from "./writer-lease.js";
import type { TxtChange } from "./zone-file.js";

export interface ReplicaRecordStoreOptions {
  /** The store that writes the repository (used while this replica holds the lease). */
  readonly inner: RecordStore;
  readonly queue: ChangeQueue;
  readonly lease: WriterLease;
  readonly logger: Logger;
  /** How often the lease is tried and answers are looked for without a notification (ms). */
  readonly pollMs?: number | undefined;
  /** A change no writer has claimed after this long is taken back and fails with a 503 (ms). */
  readonly claimTimeoutMs?: number | undefined;
  /** While the database is known down, changes go straight to the repository without trying it. */
  readonly breaker?: DatabaseBreaker | undefined;
}

interface ToQueue {
  readonly change: TxtChange;
  resolve(result: StoreResult): void;
  reject(err: Error): void;
}

interface Waiter {
  readonly since: number;
  resolve(result: StoreResult): void;
  reject(err: Error): void;
}

/** Most changes claimed at once: the inner store's largest commit. */
const CLAIM_LIMIT = 500;
/** Answers nobody collected are dropped after this long (their replica stopped). */
const PRUNE_AFTER_SECONDS = 600;
const PRUNE_EVERY_MS = 60_000;
/** How long claimed marks and delivered answers' deletes are gathered before they are written. */
const HOUSEKEEPING_DELAY_MS = 100;

/** Runs `task` now, or once more after the run in flight when asked again meanwhile. */
class Coalesced {
  private running: Promise<void> | undefined;
  private again = false;
  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.task();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  get idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

export class ReplicaRecordStore implements RecordStore {
  private readonly inner: RecordStore;
  private readonly queue: ChangeQueue;
  private readonly lease: WriterLease;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly claimTimeoutMs: number;
  private readonly breaker: DatabaseBreaker | undefined;
  private readonly waiters = new Map<string, Waiter>();
  /** Changes the writer took from the queue and has not answered yet. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Ids of queued changes this writer has taken and not yet answered in the table. */
  private readonly applying = new Set<string>();
  private answers: ChangeAnswer[] = [];
  /** Ids taken from notifications, to be marked claimed; answered ids to be deleted. */
  private toMark: string[] = [];
  private toForget: string[] = [];
  /** Changes this replica's callers handed over, to be queued in the next insert. */
  private toQueue: ToQueue[] = [];
  private readonly enqueuer = new Coalesced(() => this.enqueueWaiting());
  private readonly drain = new Coalesced(() => this.claimAndApply());
  private readonly flush = new Coalesced(() => this.writeAnswers());
  private readonly gather = new Coalesced(() => this.collectAnswers());
  private readonly housekeeping = new Coalesced(() => this.markAndForget());
  private timer: NodeJS.Timeout | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private closing = false;
  private polling = false;
  /** The last poll failure, logged once until it changes (a database outage polls every second). */
  private pollError: string | undefined;

  constructor(options: ReplicaRecordStoreOptions) {
    this.inner = options.inner;
    this.queue = options.queue;
    this.lease = options.lease;
    this.log = options.logger.child({ component: "replica-record-store" });
    this.pollMs = options.pollMs ?? 1000;
    this.claimTimeoutMs = options.claimTimeoutMs ?? 60_000;
    this.breaker = options.breaker;
  }

  /** Connects, tries for the lease, and starts the poll. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** True while this replica writes the repository for all of them. */
  get isWriter(): boolean {
    return this.lease.holding;
  }

  present(fqdn: string, value: string): Promise<StoreResult> {
    return this.submit({ kind: "present", fqdn, value });
  }

  cleanup(fqdn: string, value?: string): Promise<StoreResult> {
    return this.submit({ kind: "cleanup", fqdn, value });
  }

  /**
   * acme-dns's add-and-rotate must land in one commit, which the queue (one change per row) cannot
   * promise; it is rare (one per certificate), so every replica writes it to the repository itself,
   * beside the writer: correct through the store's own fetch-and-retry, only slower.
   */
  replace(fqdn: string, value: string, remove: readonly string[]): Promise<StoreResult> {
    if (this.closing) {
      return Promise.reject(
        new DnsBackendError("The DNS record store is shutting down", { unavailable: true }),
      );
    }
    return this.inner.replace(fqdn, value, remove);
  }

  health(): Promise<StoreHealth> {
    return this.inner.health();
  }

  /** Finishes what this replica claimed and answers it; then gives the lease to another replica. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    // Callers handed over in this very turn are refused like any caller from now on.
    await this.enqueuer.run();
    await this.drain.idle;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.flush.run().catch(() => undefined);
    if (this.housekeepingTimer !== undefined) clearTimeout(this.housekeepingTimer);
    await this.housekeeping.run();
    await this.lease.close();
    // Whoever still waits here hears from the queue no more: their rows are taken back if
    // unclaimed; a claimed row is answered by the next writer, but not to this replica.
    for (const [id, w] of this.waiters) {
      const state = await this.queue.withdraw(id).catch(() => "claimed" as const);
      w.reject(
        new DnsBackendError(
          state === "withdrawn"
            ? "The DNS record store is shutting down; the change was not made"
            : "The DNS record store is shutting down; the change was handed to another replica",
          { unavailable: true },
        ),
      );
    }
    this.waiters.clear();
    await this.inner.close();
  }

  // ---- this replica's callers ----

  private submit(change: TxtChange): Promise<StoreResult> {
    if (this.closing) {
      return Promise.reject(
        new DnsBackendError("The DNS record store is shutting down", { unavailable: true }),
      );
    }
    if (this.lease.holding) return this.direct(change);
    return new Promise<StoreResult>((resolve, reject) => {
      this.toQueue.push({ change, resolve, reject });
      // Whatever arrives in this turn of the event loop (or while an insert is out) goes in one.
      if (this.toQueue.length === 1) setImmediate(() => void this.enqueuer.run());
    });
  }

  private writeOurselves(batch: readonly ToQueue[]): void {
    for (const p of batch) this.direct(p.change).then(p.resolve, p.reject);
  }

  /** Queues what the callers handed over since the last insert, in one statement. */
  private async enqueueWaiting(): Promise<void> {
    const batch = this.toQueue;
    if (batch.length === 0) return;
    this.toQueue = [];
    if (this.closing) {
      const err = new DnsBackendError("The DNS record store is shutting down", { unavailable: true });
      for (const p of batch) p.reject(err);
      return;
    }
    // The writer, or nobody to hand over to while the database is down: write ourselves.
    if (this.lease.holding || this.breaker?.down === true) {
      this.writeOurselves(batch);
      return;
    }
    const forget = this.toForget;
    this.toForget = [];
    let ids: string[];
    try {
      ids = await this.queue.enqueueMany(
        batch.map((p) => p.change),
        forget,
      );
    } catch (err) {
      this.breaker?.failed(err);
      this.toForget.push(...forget);
      // Without the queue, write the repository ourselves: correct, if slower, beside the writer.
      this.log.warn({ err: String(err) }, "change queue unreachable: writing the DNS repository directly");
      this.writeOurselves(batch);
      return;
    }
    const since = Date.now();
    batch.forEach((p, i) => {
      this.waiters.set(ids[i] as string, { since, resolve: p.resolve, reject: p.reject });
    });
  }

  private direct(change: TxtChange): Promise<StoreResult> {
    return change.kind === "present"
      ? this.inner.present(change.fqdn, change.value)
      : this.inner.cleanup(change.fqdn, change.value);
  }

  private async collectAnswers(): Promise<void> {
    if (this.waiters.size === 0) return;
    const outcomes = await this.queue.collect([...this.waiters.keys()]);
    for (const [id, outcome] of outcomes) {
      const w = this.waiters.get(id);
      if (w === undefined) continue;
      this.waiters.delete(id);
      if (outcome instanceof AppError) w.reject(outcome);
      else w.resolve(outcome);
    }
  }

  /** Takes back changes no writer claimed in time, so their callers hear of it. */
  private async expireUnclaimed(): Promise<void> {
    const now = Date.now();
    for (const [id, w] of this.waiters) {
      if (now - w.since < this.claimTimeoutMs) continue;
      const state = await this.queue.withdraw(id);
      if (state === "claimed") continue; // the writer has it and will answer
      this.waiters.delete(id);
      w.reject(
        new DnsBackendError(
          state === "withdrawn"
            ? `No replica wrote the DNS repository within ${Math.round(this.claimTimeoutMs / 1000)} s; the change was not made`
            : "The change queue in PostgreSQL lost this change; it may or may not be in the DNS repository: retry",
          { unavailable: true },
        ),
      );
    }
  }

  // ---- the writer ----

  /** Takes what the notifications did not bring (missed ones, a predecessor's leftovers). */
  private async claimAndApply(): Promise<void> {
    while (this.lease.holding && !this.closing) {
      const claimed = await this.queue.claim(CLAIM_LIMIT);
      // All at once, so the inner store puts them in one commit with whatever else is queued.
      for (const c of claimed) this.apply(c);
      if (claimed.length < CLAIM_LIMIT) return;
    }
  }

  private apply({ id, change }: QueuedChange): void {
    if (this.applying.has(id)) return;
    this.applying.add(id);
    const done: Promise<void> = this.direct(change).then(
      (result) => this.answered(successAnswer(id, result)),
      (err: unknown) => this.answered(failureAnswer(id, err)),
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private answered(answer: ChangeAnswer): void {
    this.answers.push(answer);
    // A batch's changes settle in one turn of the event loop: answer them in one statement.
    if (this.answers.length === 1) setImmediate(() => this.flushAnswers());
  }

  private flushAnswers(): void {
    void this.flush.run().catch((err: unknown) => {
      this.log.warn({ err: String(err) }, "could not record answers in the change queue; retrying");
    });
  }

  private async writeAnswers(): Promise<void> {
    const batch = this.answers;
    if (batch.length === 0) return;
    this.answers = [];
    try {
      await this.queue.answer(batch);
      for (const a of batch) this.applying.delete(a.id);
    } catch (err) {
      // Kept for the next poll: the changes are in the remote, their callers must hear so.
      this.answers = [...batch, ...this.answers];
      throw err;
    }
  }

  /** Off the request path: claimed marks for notified changes, deletes for delivered answers. */
  private async markAndForget(): Promise<void> {
    const mark = this.toMark;
    const forget = this.toForget;
    this.toMark = [];
    this.toForget = [];
    try {
      if (mark.length > 0) await this.queue.markClaimed(mark);
      if (forget.length > 0) await this.queue.forget(forget);
    } catch (err) {
      // Unmarked rows are only claimed by the poll (and skipped); undeleted ones are pruned.
      this.log.warn({ err: String(err) }, "change queue housekeeping failed");
    }
  }

  /**
   * Neither step is urgent (a mark matters only to a change still unanswered after the claim
   * timeout; an answered row only takes space), so they are gathered for a moment into one
   * statement each, and a waiter's deletes mostly ride on its next insert instead.
   */
  private kickHousekeeping(): void {
    if (this.housekeepingTimer !== undefined) return;
    this.housekeepingTimer = setTimeout(() => {
      this.housekeepingTimer = undefined;
      void this.housekeeping.run();
    }, HOUSEKEEPING_DELAY_MS);
    this.housekeepingTimer.unref();
  }

  // ---- notifications and the poll ----

  /** A notification from the queue's channels (the lease's connection calls this). */
  notified(channel: string, payload: string): void {
    if (channel === QUEUED_CHANNEL) {
      if (!this.lease.holding || this.closing) return;
      for (const queued of parseQueuedNotice(payload, this.queue.repo)) {
        if (this.applying.has(queued.id)) continue;
        this.apply(queued);
        this.toMark.push(queued.id);
        this.kickHousekeeping();
      }
    } else if (channel === ANSWERED_CHANNEL && this.waiters.size > 0) {
      const answered = parseAnsweredNotice(payload, this.queue.repo);
      if (answered === undefined) return;
      for (const [id, commit] of answered.ok) {
        const w = this.waiters.get(id);
        if (w === undefined) continue;
        this.waiters.delete(id);
        w.resolve({ commit: commit ?? undefined });
        this.toForget.push(id);
        this.kickHousekeeping();
      }
      // Errors come with their message from the row.
      if (answered.failed.some((id) => this.waiters.has(id))) this.kickGather();
    }
  }

  /** The lease's connection ended: stop claiming; the next poll reconnects. */
  leaseLost(reason: string): void {
    this.log.warn({ reason }, "change queue connection lost; reconnecting");
  }

  private kickDrain(): void {
    void this.drain.run().catch((err: unknown) => {
      this.log.warn({ err: String(err) }, "could not claim queued DNS changes; retrying");
    });
  }

  private kickGather(): void {
    void this.gather.run().catch((err: unknown) => {
      this.log.warn({ err: String(err) }, "could not read answers from the change queue; retrying");
    });
  }

  /** The safety net under the notifications; also where the lease changes hands. */
  private async poll(): Promise<void> {
    if (this.polling || this.closing) return;
    this.polling = true;
    try {
      if (!this.lease.holding && (await this.lease.tryAcquire())) {
        const taken = await this.queue.requeueClaimed();
        this.log.info({ requeued: taken }, "this replica now writes the DNS repository for all replicas");
      }
      if (this.lease.holding) {
        this.kickDrain();
        if (this.answers.length > 0) void this.flush.run().catch(() => undefined);
        if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
          this.lastPrune = Date.now();
          await this.queue.pruneAnswered(PRUNE_AFTER_SECONDS);
        }
      }
      if (this.waiters.size > 0) {
        this.kickGather();
        await this.expireUnclaimed();
      }
      if (this.pollError !== undefined) this.log.info("change queue reachable again");
      this.pollError = undefined;
    } catch (err) {
      if (String(err) !== this.pollError) this.log.warn({ err: String(err) }, "change queue poll failed");
      this.pollError = String(err);
    } finally {
      this.polling = false;
    }
  }
}

/** What `createReplicaRecordStore` builds the queue and the lease from. */
export interface ReplicaWiring extends Pick<ReplicaRecordStoreOptions, "inner" | "logger" | "pollMs"> {
  readonly knex: Knex;
  /** POSTGRESQL_DB_CONNECT_STRING: the lease needs a connection of its own. */
  readonly databaseUrl: string;
  /** Names the repository and branch (no credentials): replicas of one remote share it. */
  readonly remoteKey: string;
  readonly metrics?: Registry | undefined;
  readonly breaker?: DatabaseBreaker | undefined;
}

/** `hlp_dns_writer`: which replica writes the repository, read at every scrape. */
function registerWriterGauge(registry: Registry | undefined, store: ReplicaRecordStore): void {
  if (registry === undefined || registry.getSingleMetric("hlp_dns_writer") !== undefined) return;
  new Gauge({
    name: "hlp_dns_writer",
    help: "1 while this replica writes the DNS repository for every replica sharing the database",
    registers: [registry],
    collect() {
      this.set(store.isWriter ? 1 : 0);
    },
  });
}

/** The store, its queue and its lease, wired to each other. Call start() before use. */
export function createReplicaRecordStore(wiring: ReplicaWiring): ReplicaRecordStore {
  let store: ReplicaRecordStore | undefined;
  const lease = new WriterLease({
    url: wiring.databaseUrl,
    // Not the bare remote key: units of an older version may still take that one as a per-batch
    // push lock (decision 0109).
    lockKey: advisoryLockKey(`record-writer:${wiring.remoteKey}`),
    waiterChannels: [ANSWERED_CHANNEL],
    writerChannels: [QUEUED_CHANNEL],
    onNotification: (channel, payload) => store?.notified(channel, payload),
    onLost: (reason) => store?.leaseLost(reason),
  });
  store = new ReplicaRecordStore({
    inner: wiring.inner,
    queue: new ChangeQueue(wiring.knex, advisoryLockKey(wiring.remoteKey)),
    lease,
    logger: wiring.logger,
    pollMs: wiring.pollMs,
    breaker: wiring.breaker,
  });
  registerWriterGauge(wiring.metrics, store);
  return store;
}
