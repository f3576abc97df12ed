/** One line per scenario with its outcome and duration (pure formatting). */

export interface ScenarioOutcome {
  readonly id: string;
  readonly passed: boolean;
  readonly durationMs: number;
  /** What was shown (on success) or what went wrong (on failure). */
  readonly detail: string;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function summaryLine(outcome: ScenarioOutcome, idWidth = 20): string {
  const status = outcome.passed ? "PASS" : "FAIL";
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
  const verdict = failed === 0 ? "all passed" : `${failed} FAILED`;
  return `e2e: ${outcomes.length} scenarios, ${verdict}; setup ${formatSeconds(setupMs)}, total ${formatSeconds(totalMs)}`;
}
