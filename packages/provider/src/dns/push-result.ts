/**
 * Reads `git push --porcelain` output for one ref. A push only counts when git printed a status
 * line for our ref saying it was updated (or already had our commit) and finished with "Done":
 * git libraries have reported success for rejected refs before, so the exit code alone is not
 * trusted.
 */

export type PushStatus = "updated" | "up-to-date" | "rejected" | "unknown";

export interface PushResult {
  readonly status: PushStatus;
  /** git's summary for the ref, e.g. `[rejected] (fetch first)`. */
  readonly summary: string;
}

export function parsePushPorcelain(stdout: string, remoteRef: string): PushResult {
  const lines = stdout.split(/\r?\n/);
  const done = lines.some((l) => l.trim() === "Done");
  for (const line of lines) {
    const m = /^(.)\t([^\t]*):([^\t]+)\t(.*)$/.exec(line);
    if (!m || m[3] !== remoteRef) continue;
    const flag = m[1];
    const summary = (m[4] as string).trim();
    if (flag === "!") return { status: "rejected", summary };
    if (!done) return { status: "unknown", summary };
    if (flag === " " || flag === "*") return { status: "updated", summary };
    if (flag === "=") return { status: "up-to-date", summary };
    return { status: "unknown", summary };
  }
  return { status: "unknown", summary: "no status line for the branch in git's output" };
}
