import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { ChallengeEvent, ChallengeObserver } from "../challenge/challenge-event.js";
import { type AuditEntry, challengeEntry } from "./audit-entry.js";
import type { AuditFilter, AuditPage, AuditRepo } from "./audit-repo.js";
import { FailureAggregator, isAnonymousFailure } from "./failure-aggregator.js";

/** Where admin code records changes. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** What the audit pages and the audit API read. */
export interface AuditReader {
  query(filter: AuditFilter, page: { limit: number; offset: number }): Promise<AuditPage>;
}

export interface AuditLogOptions {
  /** How long an entry may wait for company before it is written. */
  readonly flushIntervalMs?: number;
  /** Entries per write; a full batch is written at once. */
  readonly batchSize?: number;
  /** Entries kept while the database is unreachable; beyond that the oldest go to the log. */
  readonly maxPending?: number;
  /** Longest wait between retries while the database refuses writes. */
  readonly maxRetryDelayMs?: number;
  /** Window within which identical anonymous failures share one row. */
  readonly failureWindowMs?: number;
  readonly registry?: Registry;
}

const MAX_DETAIL = 2000;

function clip(entry: AuditEntry): AuditEntry {
  if (entry.detail === null || entry.detail.length <= MAX_DETAIL) return entry;
  return { ...entry, detail: `${entry.detail.slice(0, MAX_DETAIL)}…` };
}

/**
 * The audit trail's writer. A challenge only appends to an in-memory queue (no I/O on the request
 * path); a timer writes the queue in batches. While the database refuses, the queue is kept and
 * retried with backoff; entries that cannot be kept (queue full, or still unwritten at shutdown)
 * are written to the error log in full, so nothing is lost silently.
 */
export class AuditLog implements ChallengeObserver, AuditSink, AuditReader {
  private pending: AuditEntry[] = [];
  private readonly anonymous: FailureAggregator;
  private timer: NodeJS.Timeout | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly maxRetryDelayMs: number;
  private readonly writeFailures: Counter | undefined;
  private readonly dropped: Counter | undefined;

  constructor(
    private readonly repo: AuditRepo,
    private readonly logger: Logger,
    options: AuditLogOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 500;
    this.maxPending = options.maxPending ?? 50_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.anonymous = new FailureAggregator(options.failureWindowMs);
    if (options.registry) {
      const registers = [options.registry];
      const self = this;
      new Gauge({
        name: "hlp_audit_pending",
        help: "Audit entries waiting to be written",
        registers,
        collect() {
          this.set(self.pending.length);
        },
      });
      this.writeFailures = new Counter({
        name: "hlp_audit_write_failures_total",
        help: "Failed attempts to write a batch of audit entries (they are retried)",
        registers,
      });
      this.dropped = new Counter({
        name: "hlp_audit_dropped_total",
        help: "Audit entries that could not be kept and went to the error log instead",
        registers,
      });
    }
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  onChallenge(event: ChallengeEvent): void {
    this.record(challengeEntry(event));
  }

  record(entry: AuditEntry): void {
    if (this.closed) {
      this.spill([entry], "audit log already closed");
      return;
    }
    if (isAnonymousFailure(entry)) {
      this.anonymous.add(clip(entry), Date.now());
      this.scheduleWindowEnd();
      return;
    }
    this.enqueue(entry);
  }

  private enqueue(...entries: AuditEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.pending.push(clip(entry));
    if (this.pending.length > this.maxPending) {
      this.spill(this.pending.splice(0, this.pending.length - this.maxPending), "audit queue full");
    }
    if (this.pending.length >= this.batchSize && this.failures === 0) this.schedule(0);
    else this.schedule(this.flushIntervalMs);
  }

  /**
   * Writes everything held so far, the counted failures of the current window included (a later
   * failure in that window then starts a new row). Best effort: failures are logged and retried.
   */
  async flush(): Promise<void> {
    this.enqueue(...this.anonymous.take());
    await this.writeQueued();
  }

  private async writeQueued(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.pending.length === 0) return;
    this.inFlight = this.writeAll().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  /** Reads records; entries this process still holds are written first. */
  async query(filter: AuditFilter, page: { limit: number; offset: number }): Promise<AuditPage> {
    await this.flush();
    return this.repo.query(filter, page);
  }

  /** Final write; whatever still cannot be written goes to the error log. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.pending.push(...this.anonymous.take());
    await this.flush();
    if (this.pending.length > 0) {
      this.spill(this.pending, "audit entries unwritten at shutdown");
      this.pending = [];
    }
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.batchSize);
      try {
        await this.repo.insert(batch);
      } catch (err) {
        this.failures += 1;
        this.writeFailures?.inc();
        this.logger.error(
          { err, entries: batch.length, pending: this.pending.length, attempt: this.failures },
          "audit: could not write entries to the database; keeping them and retrying",
        );
        if (!this.closed) this.schedule(this.retryDelay(), true);
        return;
      }
      // Only now remove them: entries recorded meanwhile were appended behind the batch.
      this.pending.splice(0, batch.length);
      if (this.failures > 0) {
        this.logger.info({ attempts: this.failures }, "audit: database writes work again");
        this.failures = 0;
      }
    }
  }

  /** Moves the counted failures of a finished window to the write queue when it ends. */
  private scheduleWindowEnd(): void {
    if (this.windowTimer) return;
    const end = this.anonymous.nextWindowEnd();
    if (end === undefined) return;
    this.windowTimer = setTimeout(
      () => {
        this.windowTimer = undefined;
        if (this.closed) return;
        this.enqueue(...this.anonymous.take(Date.now()));
        this.scheduleWindowEnd();
      },
      Math.max(0, end - Date.now()),
    );
    this.windowTimer.unref();
  }

  private retryDelay(): number {
    return Math.min(this.maxRetryDelayMs, this.flushIntervalMs * 2 ** Math.min(this.failures, 16));
  }

  private schedule(delayMs: number, replace = false): void {
    if (this.timer && !replace) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeQueued();
    }, delayMs);
    // A pending audit write must not keep a finished process alive; close() writes the rest.
    this.timer.unref();
  }

  private spill(entries: readonly AuditEntry[], reason: string): void {
    this.dropped?.inc(entries.length);
    for (const entry of entries) this.logger.error({ audit: entry }, `${reason}: audit entry logged instead`);
  }
}
