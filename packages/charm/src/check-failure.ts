import type { CheckInfo } from "./pebble/types.js";

/** A Pebble check that is down (failed `threshold` times in a row), with Pebble's own reason. */
export interface CheckFailure {
  name: string;
  level: "alive" | "ready" | "";
  reason: string;
}

// Long enough for Pebble's "non-2xx status code 503; <body>" of /readyz; juju status stays readable.
const MAX_REASON = 240;
// Pebble's task log lines: "<RFC 3339 time> ERROR <message>" (state.Task.Errorf).
const ERROR_LINE = /^\S+ ERROR (.*)$/s;

/**
 * The last error a check's change logged, on one line; undefined when it logged none (a
 * recover-check that has not run yet). Pure.
 */
export function lastCheckError(log: readonly string[] | undefined): string | undefined {
  for (const line of [...(log ?? [])].reverse()) {
    const match = ERROR_LINE.exec(line);
    if (!match) continue;
    const reason = (match[1] ?? "").replace(/\s+/g, " ").trim();
    if (reason === "") continue;
    return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
  }
  return undefined;
}

/** The checks that are down, alive-level first (a dead service is the bigger news). Pure. */
export function downChecks(checks: readonly CheckInfo[]): CheckInfo[] {
  const rank = (c: CheckInfo): number => (c.level === "alive" ? 0 : c.level === "ready" ? 1 : 2);
  return checks.filter((c) => c.status === "down").sort((a, b) => rank(a) - rank(b));
}

/** The status message of a down check. Pure. */
export function checkFailureMessage(failure: CheckFailure): string {
  const what = failure.level === "alive" ? "Service not alive" : "Service not ready";
  return `${what}, check ${failure.name}: ${failure.reason}`;
}
