/** One line per scenario with its outcome and duration (pure formatting). */

export interface ScenarioOutcome {
  readonly id: string;
  readonly passed: boolean;
  /** Could not run on this machine (a client it cannot get): not a failure, but said. */
  readonly skipped?: boolean;
  readonly durationMs: number;
  /** What was shown (on success) or what went wrong (on failure). */
  readonly detail: string;
}

/**
 * Thrown by a scenario whose third-party client this machine cannot get (acme.sh comes from
 * GitHub, which a machine with only Debian's and npm's registries does not reach).
 */
export class ScenarioSkipped extends Error {
  override readonly name = "ScenarioSkipped";
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function summaryLine(outcome: ScenarioOutcome, idWidth = 20): string {
  const status = outcome.skipped === true ? "SKIP" : outcome.passed ? "PASS" : "FAIL";
  const firstLine = outcome.detail.split("\n")[0] ?? "";
  return `${status}  ${outcome.id.padEnd(idWidth)} ${formatSeconds(outcome.durationMs).padStart(7)}  ${firstLine}`;
}

export function totalLine(
  outcomes: readonly ScenarioOutcome[],
  setupMs: number,
  totalMs: number,
  interrupted = false,
): string {
  const failed = outcomes.filter((o) => !o.passed).length;
  if (interrupted || setupMs === 0) {
    const stage = setupMs === 0 ? "setup" : "run";
    return `e2e: ${stage} FAILED or interrupted after ${formatSeconds(totalMs)}; ${outcomes.length - failed} of ${outcomes.length} scenarios passed`;
  }
  const skipped = outcomes.filter((o) => o.skipped === true).length;
  const verdict =
    (failed === 0 ? "all passed" : `${failed} FAILED`) +
    (skipped > 0 ? ` (${skipped} SKIPPED: see above)` : "");
  return `e2e: ${outcomes.length} scenarios, ${verdict}; setup ${formatSeconds(setupMs)}, total ${formatSeconds(totalMs)}`;
}
