/**
 * Every PromQL query of the shipped Grafana dashboard, in one place so they can be adjusted when
 * the provider's metric names change. Metric names follow packages/provider's registry: its own
 * `hlp_*` metrics plus prom-client's default process/Node.js metrics under the same prefix.
 * `$juju_*` variables are the dropdowns Grafana's charm injects (inject_dropdowns).
 */
const SEL =
  'juju_model=~"$juju_model",juju_model_uuid=~"$juju_model_uuid",juju_application=~"$juju_application",juju_unit=~"$juju_unit"';

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  unit: string;
  queries: PanelQuery[];
}

export const PANELS: PanelSpec[] = [
  {
    title: "Requests per second by route and status",
    unit: "reqps",
    queries: [
      {
        expr: `sum by (route, status) (rate(hlp_http_requests_total{${SEL}}[5m]))`,
        legend: "{{route}} {{status}}",
      },
    ],
  },
  {
    title: "Request latency (p50 / p95) by route",
    unit: "s",
    queries: [
      {
        expr: `histogram_quantile(0.5, sum by (le, route) (rate(hlp_http_request_duration_seconds_bucket{${SEL}}[5m])))`,
        legend: "p50 {{route}}",
      },
      {
        expr: `histogram_quantile(0.95, sum by (le, route) (rate(hlp_http_request_duration_seconds_bucket{${SEL}}[5m])))`,
        legend: "p95 {{route}}",
      },
    ],
  },
  {
    title: "Challenges by action and outcome",
    unit: "reqps",
    queries: [
      {
        expr: `sum by (action, outcome) (rate(hlp_challenges_total{${SEL}}[5m]))`,
        legend: "{{action}} {{outcome}}",
      },
    ],
  },
  {
    title: "Git push duration (p50 / p95)",
    unit: "s",
    queries: [
      {
        expr: `histogram_quantile(0.5, sum by (le) (rate(hlp_git_push_duration_seconds_bucket{${SEL}}[5m])))`,
        legend: "p50",
      },
      {
        expr: `histogram_quantile(0.95, sum by (le) (rate(hlp_git_push_duration_seconds_bucket{${SEL}}[5m])))`,
        legend: "p95",
      },
    ],
  },
  {
    title: "DNS propagation: push to served (p95) by server, and timeouts",
    unit: "s",
    queries: [
      {
        expr: `histogram_quantile(0.95, sum by (le, server) (rate(hlp_propagation_served_seconds_bucket{${SEL}}[5m])))`,
        legend: "p95 {{server}}",
      },
      {
        expr: `sum(increase(hlp_propagation_timeouts_total{${SEL}}[5m]))`,
        legend: "timeouts per 5 min",
      },
    ],
  },
  {
    title: "Git push retries (rejected pushes)",
    unit: "ops",
    queries: [{ expr: `sum(rate(hlp_git_push_retries_total{${SEL}}[5m]))`, legend: "retries/s" }],
  },
  {
    title: "Changes per git commit (batch size)",
    unit: "short",
    queries: [
      {
        expr: `sum(rate(hlp_git_batch_size_sum{${SEL}}[5m])) / sum(rate(hlp_git_batch_size_count{${SEL}}[5m]))`,
        legend: "average batch size",
      },
    ],
  },
  {
    title: "Changes waiting for the next git push (queue depth)",
    unit: "short",
    queries: [{ expr: `sum by (juju_unit) (hlp_git_queue_depth{${SEL}})`, legend: "{{juju_unit}}" }],
  },
  {
    title: "Authentication failures by reason",
    unit: "ops",
    queries: [{ expr: `sum by (reason) (rate(hlp_auth_failures_total{${SEL}}[5m]))`, legend: "{{reason}}" }],
  },
  {
    title: "Password verification time (p95) by cache hit",
    unit: "s",
    queries: [
      {
        expr: `histogram_quantile(0.95, sum by (le, cached) (rate(hlp_auth_verify_seconds_bucket{${SEL}}[5m])))`,
        legend: "cached={{cached}}",
      },
    ],
  },
  {
    title: "Resident memory",
    unit: "bytes",
    queries: [{ expr: `hlp_process_resident_memory_bytes{${SEL}}`, legend: "{{juju_unit}}" }],
  },
  {
    title: "Event loop lag (p99)",
    unit: "s",
    queries: [{ expr: `hlp_nodejs_eventloop_lag_p99_seconds{${SEL}}`, legend: "{{juju_unit}}" }],
  },
];
