import type { ChallengeEvent } from "../challenge/challenge-event.js";

/** `challenge`: one /present or /cleanup. `admin`: a change made by a staff user, or a login. */
export type AuditKind = "challenge" | "admin";

/** Where an admin change came from (`cli`: the management commands, hence the charm's actions). */
export type AuditSource = "http" | "admin-ui" | "admin-api" | "cli";

/** One audit record as written. Every field is plain data: no secrets ever go in here. */
export interface AuditEntry {
  readonly occurredAt: Date;
  readonly kind: AuditKind;
  readonly source: AuditSource;
  /** Who: the authenticated user (the challenge caller, or the staff user making a change). */
  readonly actor: string | null;
  /** What: `present`, `cleanup`, or a dotted admin verb such as `user.create`, `grant.revoke`. */
  readonly action: string;
  /** The user an admin change was about. */
  readonly target: string | null;
  readonly fqdn: string | null;
  readonly outcome: string;
  readonly status: number | null;
  readonly commitId: string | null;
  readonly durationMs: number | null;
  /** Human-readable detail: the change made, or why a request failed. */
  readonly detail: string | null;
  /** How many identical attempts this entry stands for (aggregated failures); 1 if absent. */
  readonly count?: number;
  /** The client address the request came from, where it matters (failed logins). */
  readonly client?: string | null;
}

/** One audit record as read back. */
export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly count: number;
  readonly client: string | null;
}

/** Turns what the challenge routes report into an audit entry. */
export function challengeEntry(event: ChallengeEvent, now: Date = new Date()): AuditEntry {
  return {
    occurredAt: now,
    kind: "challenge",
    source: "http",
    // A refused caller is named by the username it claimed, so a brute force shows whom it tried.
    actor: event.username ?? event.claimedUsername ?? null,
    action: event.action,
    target: null,
    fqdn: event.fqdn ?? null,
    outcome: event.outcome,
    status: event.status,
    commitId: event.commit ?? null,
    durationMs: Math.round(event.durationMs * 10) / 10,
    detail: event.message ?? null,
    client: event.client ?? null,
  };
}

/** An admin change (always successful: refused changes change nothing and are not recorded). */
export function adminEntry(fields: {
  source: AuditSource;
  actor: string;
  action: string;
  target?: string | null;
  fqdn?: string | null;
  detail?: string | null;
  outcome?: string;
  /** The HTTP status of a refused login (401, 429). */
  status?: number | null;
  client?: string | null;
  now?: Date;
}): AuditEntry {
  return {
    occurredAt: fields.now ?? new Date(),
    kind: "admin",
    source: fields.source,
    actor: fields.actor,
    action: fields.action,
    target: fields.target ?? null,
    fqdn: fields.fqdn ?? null,
    outcome: fields.outcome ?? "ok",
    status: fields.status ?? null,
    commitId: null,
    durationMs: null,
    detail: fields.detail ?? null,
    client: fields.client ?? null,
  };
}
