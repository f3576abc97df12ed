import type { Databag, HookTools } from "../hookcmds/tools.js";

/**
 * Writes only the keys whose value differs from the databag's current content, so repeated
 * reconciles do not fire relation-changed on the other side. Empty values delete keys.
 */
export function databagChanges(current: Databag, desired: Databag): Databag {
  const changes: Databag = {};
  for (const [k, v] of Object.entries(desired)) if ((current[k] ?? "") !== v) changes[k] = v;
  return changes;
}

export async function syncDatabag(
  tools: HookTools,
  relationId: string,
  owner: string,
  desired: Databag,
  app: boolean,
): Promise<Databag> {
  const current = await tools.relationGet(relationId, owner, app);
  const changes = databagChanges(current, desired);
  await tools.relationSet(relationId, changes, app);
  return { ...current, ...changes };
}
