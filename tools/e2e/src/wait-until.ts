/** Readiness polling: try a check until it passes or a deadline expires (no fixed sleeps). */

export class NotReadyError extends Error {
  override readonly name = "NotReadyError";
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Stop early with this error when it returns a message (e.g. the process died). */
  readonly abortIf?: () => string | undefined;
}

/**
 * Calls `check` until it returns a value other than undefined. Exceptions from `check` count as
 * "not yet" and the last one is quoted when the deadline passes.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  let lastProblem = "no answer yet";
  for (;;) {
    const abort = options.abortIf?.();
    if (abort !== undefined) throw new NotReadyError(`${what}: ${abort}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new NotReadyError(`${what}: not ready after ${options.timeoutMs} ms (${lastProblem})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
