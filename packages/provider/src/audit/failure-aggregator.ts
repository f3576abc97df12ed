import type { AuditEntry } from "./audit-entry.js";

/**
 * Anonymous failures are counted, not listed (docs/decisions/0711). Every refused login attempt
 * (401/429 on /present and /cleanup, a refused admin page login) would otherwise be one audit row
 * kept for the retention period, so anyone could grow the database at the rate they can send
 * requests. Identical attempts (same action, status, client address and claimed username) within
 * one window become one row with a count; the number of rows per window is capped, and attempts
 * beyond the caps are folded into catch-all rows, still counted.
 */

/** One row per client and username per minute. */
export const FAILURE_WINDOW_MS = 60_000;
/** Rows per window at most (plus the catch-all rows): ~145 000 rows a day at worst. */
export const MAX_FAILURE_ROWS_PER_WINDOW = 100;
/** Distinct usernames one client gets its own rows for in a window; the rest share one. */
export const MAX_USERNAMES_PER_CLIENT = 10;

export const OTHER_USERNAMES = "(other usernames)";
export const OTHER_CLIENTS = "(other clients)";

/** Whether `entry` is an attempt by someone who did not prove who they are. */
export function isAnonymousFailure(entry: AuditEntry): boolean {
  if (entry.kind === "challenge") return entry.outcome === "unauthenticated";
  return entry.action === "session.login" && entry.outcome === "denied";
}

interface Bucket {
  entry: AuditEntry;
  count: number;
}

interface Window {
  readonly start: number;
  readonly buckets: Map<string, Bucket>;
  /** Usernames with their own row, per client. */
  readonly namesByClient: Map<string, Set<string>>;
}

const keyOf = (e: AuditEntry, client: string, actor: string) =>
  JSON.stringify([e.kind, e.source, e.action, e.outcome, e.status, client, actor]);

/** Pure bookkeeping: the caller decides when to take rows out and writes them. */
export class FailureAggregator {
  private windows = new Map<number, Window>();

  constructor(private readonly windowMs: number = FAILURE_WINDOW_MS) {}

  /** Counts `entry` into the window of `now`. */
  add(entry: AuditEntry, now: number): void {
    const start = now - (now % this.windowMs);
    let w = this.windows.get(start);
    if (!w) {
      w = { start, buckets: new Map(), namesByClient: new Map() };
      this.windows.set(start, w);
    }
    let client = entry.client ?? "unknown";
    let actor = entry.actor ?? "";
    let key = keyOf(entry, client, actor);
    if (!w.buckets.has(key)) {
      const names = w.namesByClient.get(client);
      if (names && !names.has(actor) && names.size >= MAX_USERNAMES_PER_CLIENT) actor = OTHER_USERNAMES;
      key = keyOf(entry, client, actor);
      if (!w.buckets.has(key) && w.buckets.size >= MAX_FAILURE_ROWS_PER_WINDOW) {
        client = OTHER_CLIENTS;
        actor = OTHER_USERNAMES;
        key = keyOf(entry, client, actor);
      }
    }
    const bucket = w.buckets.get(key);
    if (bucket) {
      bucket.count += entry.count ?? 1;
      return;
    }
    w.buckets.set(key, {
      entry: { ...entry, client, actor: actor === "" ? null : actor },
      count: entry.count ?? 1,
    });
    if (client !== OTHER_CLIENTS && actor !== OTHER_USERNAMES) {
      const names = w.namesByClient.get(client) ?? new Set<string>();
      names.add(actor);
      w.namesByClient.set(client, names);
    }
  }

  /** Rows held in memory. */
  get size(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.buckets.size;
    return n;
  }

  /** When the oldest open window ends, or undefined if nothing is held. */
  nextWindowEnd(): number | undefined {
    let earliest: number | undefined;
    for (const start of this.windows.keys()) if (earliest === undefined || start < earliest) earliest = start;
    return earliest === undefined ? undefined : earliest + this.windowMs;
  }

  /** Removes and returns the rows of windows that ended by `now` (all of them if `now` is omitted). */
  take(now?: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const [start, w] of [...this.windows].sort((a, b) => a[0] - b[0])) {
      if (now !== undefined && start + this.windowMs > now) continue;
      this.windows.delete(start);
      for (const b of w.buckets.values()) out.push({ ...b.entry, count: b.count });
    }
    return out;
  }
}
