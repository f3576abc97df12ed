import { type CheckFailure, downChecks, lastCheckError } from "./check-failure.js";
import type { PebbleClient } from "./pebble/client.js";
import { PebbleAPIError } from "./pebble/errors.js";

/**
 * The workload's checks that are down, each with the reason Pebble logged in the change that runs
 * it (what `pebble check <name>` shows): the recover-check's last error, or before its first run
 * the error that ended the perform-check.
 */
export async function failingChecks(pebble: PebbleClient): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  for (const check of downChecks(await pebble.getChecks())) {
    let reason: string | undefined;
    for (const id of [check["change-id"], check["prev-change-id"]]) {
      if (!id || reason) continue;
      try {
        reason = lastCheckError((await pebble.getChange(id)).tasks?.[0]?.log);
      } catch (err) {
        // A change Pebble pruned meanwhile: the status still names the check.
        if (!(err instanceof PebbleAPIError)) throw err;
      }
    }
    const level = check.level === "alive" || check.level === "ready" ? check.level : "";
    failures.push({
      name: check.name,
      level,
      reason: reason ?? `failed ${check.failures} times in a row`,
    });
  }
  return failures;
}
