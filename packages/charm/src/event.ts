import type { JujuContext } from "./context.js";

/** The events this charm tells apart; every one of them ends in the same reconcile. */
export type CharmEvent =
  | { kind: "lifecycle"; name: LifecycleHook }
  | {
      kind: "pebble";
      name: string;
      container: string;
      what: "ready" | "custom-notice" | "check-failed" | "check-recovered";
    }
  | {
      kind: "relation";
      name: string;
      endpoint: string;
      phase: RelationPhase;
      relationId: string;
      remoteApp?: string;
      remoteUnit?: string;
    }
  | { kind: "secret"; name: string; phase: "changed" | "rotate" | "expired" | "remove"; secretId?: string }
  | { kind: "action"; name: string }
  | { kind: "other"; name: string };

export type RelationPhase = "created" | "joined" | "changed" | "departed" | "broken";

export const LIFECYCLE_HOOKS = [
  "install",
  "start",
  "stop",
  "remove",
  "config-changed",
  "upgrade-charm",
  "update-status",
  "leader-elected",
  "leader-settings-changed",
] as const;
export type LifecycleHook = (typeof LIFECYCLE_HOOKS)[number];

export class UnknownDispatchPathError extends Error {
  override readonly name = "UnknownDispatchPathError";
}

const RELATION_RE = /^(.+)-relation-(created|joined|changed|departed|broken)$/;
const PEBBLE_RE = /^(.+)-pebble-(ready|custom-notice|check-failed|check-recovered)$/;
const SECRET_RE = /^secret-(changed|rotate|expired|remove)$/;

/** Turns JUJU_DISPATCH_PATH (and the variables that go with it) into a typed event. Pure. */
export function parseEvent(ctx: JujuContext): CharmEvent {
  const match = /^(hooks|actions)\/([a-z0-9][a-z0-9-]*)$/.exec(ctx.dispatchPath);
  if (!match) {
    throw new UnknownDispatchPathError(
      `JUJU_DISPATCH_PATH "${ctx.dispatchPath}" is neither hooks/<name> nor actions/<name>`,
    );
  }
  const [, dir, name = ""] = match;
  if (dir === "actions") return { kind: "action", name };
  if ((LIFECYCLE_HOOKS as readonly string[]).includes(name)) {
    return { kind: "lifecycle", name: name as LifecycleHook };
  }
  const rel = RELATION_RE.exec(name);
  if (rel) {
    const endpoint = rel[1] ?? "";
    return {
      kind: "relation",
      name,
      endpoint,
      phase: rel[2] as RelationPhase,
      relationId: ctx.relationId ?? "",
      ...(ctx.remoteApp ? { remoteApp: ctx.remoteApp } : {}),
      ...(ctx.remoteUnit ? { remoteUnit: ctx.remoteUnit } : {}),
    };
  }
  const pebble = PEBBLE_RE.exec(name);
  if (pebble) {
    return {
      kind: "pebble",
      name,
      container: ctx.workloadName ?? pebble[1] ?? "",
      what: pebble[2] as "ready" | "custom-notice" | "check-failed" | "check-recovered",
    };
  }
  const secret = SECRET_RE.exec(name);
  if (secret) {
    return {
      kind: "secret",
      name,
      phase: secret[1] as "changed" | "rotate" | "expired" | "remove",
      ...(ctx.secretId ? { secretId: ctx.secretId } : {}),
    };
  }
  return { kind: "other", name };
}

/** The unit is going away for good: do not touch the workload, only report. */
export function isRemoval(event: CharmEvent): boolean {
  return event.kind === "lifecycle" && event.name === "remove";
}

/**
 * On Kubernetes `stop` runs whenever the unit's pod is shut down (pod churn, eviction, each pod
 * of a `juju refresh`), not only before removal: the unit will be back, so nothing is reported
 * and the workload, already shutting down, is left alone.
 */
export function isPodShutdown(event: CharmEvent): boolean {
  return event.kind === "lifecycle" && event.name === "stop";
}
