/** Prometheus metrics of the propagation check (prefix `hlp_`). */
import { Counter, Histogram, type Registry } from "prom-client";

export interface PropagationMetrics {
  /** Seconds from the push to the first answer with the new value, per server. */
  readonly servedSeconds: Histogram<"server">;
  /** /present answers given before every server served the value. */
  readonly timeouts: Counter;
}

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

export function propagationMetrics(registry: Registry | undefined): PropagationMetrics {
  const registers = registry === undefined ? [] : [registry];
  function reuse<M>(name: string, make: () => M): M {
    const existing = registry?.getSingleMetric(name);
    return existing === undefined ? make() : (existing as unknown as M);
  }
  return {
    servedSeconds: reuse(
      "hlp_propagation_served_seconds",
      () =>
        new Histogram({
          name: "hlp_propagation_served_seconds",
          help: "Seconds from the git push to the first answer with the new TXT value, per authoritative server",
          labelNames: ["server"],
          buckets: SECONDS_BUCKETS,
          registers,
        }),
    ),
    timeouts: reuse(
      "hlp_propagation_timeouts_total",
      () =>
        new Counter({
          name: "hlp_propagation_timeouts_total",
          help: "Presents answered before every authoritative server served the value (APP_PROPAGATION_TIMEOUT)",
          registers,
        }),
    ),
  };
}
