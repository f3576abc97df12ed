/** Prometheus metrics of the git record store (prefix `hlp_`). */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface GitStoreMetrics {
  readonly pushDuration: Histogram<"outcome">;
  readonly pushRetries: Counter;
  readonly batchSize: Histogram;
  readonly queueDepth: Gauge;
  readonly phaseDuration: Histogram<"phase">;
  readonly maintenanceDuration: Histogram<"outcome">;
}

const TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the metrics on `registry`, reusing ones already there (several stores, one registry). */
export function gitStoreMetrics(registry: Registry | undefined): GitStoreMetrics {
  const registers = registry === undefined ? [] : [registry];
  function reuse<M>(name: string, make: () => M): M {
    const existing = registry?.getSingleMetric(name);
    return existing === undefined ? make() : (existing as unknown as M);
  }
  return {
    pushDuration: reuse(
      "hlp_git_push_duration_seconds",
      () =>
        new Histogram({
          name: "hlp_git_push_duration_seconds",
          help: "Duration of git push to the DNS repository, by outcome (ok, rejected, error)",
          labelNames: ["outcome"],
          buckets: TIME_BUCKETS,
          registers,
        }),
    ),
    pushRetries: reuse(
      "hlp_git_push_retries_total",
      () =>
        new Counter({
          name: "hlp_git_push_retries_total",
          help: "Pushes retried after the remote rejected them (another writer pushed first)",
          registers,
        }),
    ),
    batchSize: reuse(
      "hlp_git_batch_size",
      () =>
        new Histogram({
          name: "hlp_git_batch_size",
          help: "Record changes carried by one commit (group commit)",
          buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
          registers,
        }),
    ),
    queueDepth: reuse(
      "hlp_git_queue_depth",
      () =>
        new Gauge({
          name: "hlp_git_queue_depth",
          help: "Record changes waiting for the next commit",
          registers,
        }),
    ),
    phaseDuration: reuse(
      "hlp_git_batch_phase_seconds",
      () =>
        new Histogram({
          name: "hlp_git_batch_phase_seconds",
          help: "Time per batch spent in each phase (fetch, edit, commit, push, total)",
          labelNames: ["phase"],
          buckets: TIME_BUCKETS,
          registers,
        }),
    ),
    maintenanceDuration: reuse(
      "hlp_git_maintenance_seconds",
      () =>
        new Histogram({
          name: "hlp_git_maintenance_seconds",
          help: "Compactions of the local clone (fetch the tip, gc), by outcome (ok, error)",
          labelNames: ["outcome"],
          buckets: TIME_BUCKETS,
          registers,
        }),
    ),
  };
}
