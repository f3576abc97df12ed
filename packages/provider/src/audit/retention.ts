import type { Logger } from "pino";
import type { AuditRepo } from "./audit-repo.js";

const DAY_MS = 24 * 3600 * 1000;

/** Records older than this instant are past retention. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** Something else to clean on the same schedule (e.g. expired admin sessions). */
export type PruneTask = (now: Date) => Promise<number>;

export interface RetentionOptions {
  readonly retentionDays: number;
  /** How often to prune; the first run is at start(). */
  readonly intervalMs?: number;
  readonly now?: () => Date;
  readonly extraTasks?: readonly { name: string; run: PruneTask }[];
}

/**
 * Deletes audit records older than the retention period in the background: once at start, then
 * every interval. Every replica may run it: deletes are idempotent. Failures are logged and the
 * next run tries again.
 */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly repo: AuditRepo,
    private readonly logger: Logger,
    private readonly options: RetentionOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 3600_000;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pruning pass; never throws. Returns the number of audit records deleted. */
  async runOnce(): Promise<number> {
    while (this.running) await this.running;
    let deleted = 0;
    this.running = (async () => {
      const now = this.now();
      const cutoff = retentionCutoff(now, this.options.retentionDays);
      try {
        deleted = await this.repo.deleteOlderThan(cutoff);
        if (deleted > 0)
          this.logger.info({ deleted, before: cutoff.toISOString() }, "audit: pruned old records");
      } catch (err) {
        this.logger.error({ err }, "audit: pruning old records failed; will retry at the next interval");
      }
      for (const task of this.options.extraTasks ?? []) {
        try {
          const n = await task.run(now);
          if (n > 0) this.logger.debug({ deleted: n, task: task.name }, "pruned");
        } catch (err) {
          this.logger.error({ err, task: task.name }, "pruning failed; will retry at the next interval");
        }
      }
    })().finally(() => {
      this.running = undefined;
    });
    await this.running;
    return deleted;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
  }
}
