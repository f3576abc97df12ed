import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** The service's own Prometheus metrics (prefix `hlp_`); the git store adds its own to the registry. */
export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "method" | "status">;
  readonly duration: Histogram<"route" | "method" | "status">;
  readonly authFailures: Counter<"reason">;
  readonly authVerify: Histogram<"cached">;
  readonly challenges: Counter<"action" | "outcome">;
  readonly principalLookups: Counter<"source">;
}

export function createMetrics(registry = new Registry()): HttpMetrics {
  collectDefaultMetrics({ register: registry, prefix: "hlp_" });
  return {
    registry,
    requests: new Counter({
      name: "hlp_http_requests_total",
      help: "HTTP requests by route, method and status",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "hlp_http_request_duration_seconds",
      help: "HTTP request latency by route, method and status",
      labelNames: ["route", "method", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "hlp_auth_failures_total",
      help: "Refused credentials by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    authVerify: new Histogram({
      name: "hlp_auth_verify_seconds",
      help: "Password verification time, by whether the credential cache answered",
      labelNames: ["cached"],
      buckets: [0.00001, 0.0001, 0.001, 0.01, 0.1, 0.5, 1, 2],
      registers: [registry],
    }),
    challenges: new Counter({
      name: "hlp_challenges_total",
      help: "Challenge requests (present/cleanup) by outcome",
      labelNames: ["action", "outcome"],
      registers: [registry],
    }),
    principalLookups: new Counter({
      name: "hlp_principal_lookups_total",
      help: "User + grants lookups by source: cached (memory), loaded (database), stale (memory while the database is unreachable)",
      labelNames: ["source"],
      registers: [registry],
    }),
  };
}
