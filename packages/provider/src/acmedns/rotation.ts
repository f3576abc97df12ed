/** acme-dns keeps the two newest values of a name: one order's apex and wildcard challenges. */
export const KEPT_UPDATE_VALUES = 2;

/**
 * Pure: after `value` is written through /update, which earlier /update values of the same
 * name go. `newestFirst` are the values /update wrote before (newest first); values written
 * through /present are never in it, so they are never removed here. A value sent again counts
 * as the newest.
 */
export function valuesToRemove(
  newestFirst: readonly string[],
  value: string,
  keep: number = KEPT_UPDATE_VALUES,
): string[] {
  const others = newestFirst.filter((v) => v !== value);
  return [...new Set(others)].slice(Math.max(0, keep - 1));
}
