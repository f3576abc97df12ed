import type { Knex } from "knex";
import type { AuditEntry, AuditKind, AuditRecord, AuditSource } from "./audit-entry.js";

export const AUDIT_TABLE = "hlp_audit_log";

export interface AuditFilter {
  readonly kind?: AuditKind;
  /** Matches the actor, or the user an admin change was about. */
  readonly user?: string;
  /** Matches this name and every name below it (`example.com` matches `_acme-challenge.www.example.com`). */
  readonly domain?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly since?: Date;
  readonly until?: Date;
}

export interface AuditPage {
  readonly total: number;
  readonly records: AuditRecord[];
}

interface RawRecord {
  id: string | number;
  occurred_at: Date;
  kind: AuditKind;
  source: AuditSource;
  actor: string | null;
  action: string;
  target: string | null;
  fqdn: string | null;
  outcome: string;
  status: number | null;
  commit_id: string | null;
  duration_ms: number | null;
  detail: string | null;
  count: number | null;
  client: string | null;
  propagation_wait_ms: number | null;
}

const toRecord = (r: RawRecord): AuditRecord => ({
  id: Number(r.id),
  occurredAt: r.occurred_at,
  kind: r.kind,
  source: r.source,
  actor: r.actor,
  action: r.action,
  target: r.target,
  fqdn: r.fqdn,
  outcome: r.outcome,
  status: r.status,
  commitId: r.commit_id,
  durationMs: r.duration_ms,
  detail: r.detail,
  count: r.count ?? 1,
  client: r.client,
  propagationWaitMs: r.propagation_wait_ms ?? null,
});

/**
 * An entry as the audit table's columns. The audit API's JSON uses the same names
 * (`auditJson`), so a column and its API field cannot drift apart.
 */
export const auditColumns = (e: AuditEntry) => ({
  occurred_at: e.occurredAt,
  kind: e.kind,
  source: e.source,
  actor: e.actor,
  action: e.action,
  target: e.target,
  fqdn: e.fqdn,
  outcome: e.outcome,
  status: e.status,
  commit_id: e.commitId,
  duration_ms: e.durationMs,
  detail: e.detail,
  count: e.count ?? 1,
  client: e.client ?? null,
  propagation_wait_ms: e.propagationWaitMs ?? null,
});

/** Rows per INSERT statement: well below PostgreSQL's 65535 bind parameters (15 per row). */
const INSERT_CHUNK = 500;

export class AuditRepo {
  constructor(private readonly knex: Knex) {}

  async insert(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.knex.transaction(async (trx) => {
      for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
        await trx(AUDIT_TABLE).insert(entries.slice(i, i + INSERT_CHUNK).map(auditColumns));
      }
    });
  }

  private filtered(filter: AuditFilter): Knex.QueryBuilder {
    const q = this.knex(AUDIT_TABLE);
    if (filter.kind !== undefined) q.where("kind", filter.kind);
    if (filter.user !== undefined) {
      const user = filter.user;
      q.where((w) => w.where("actor", user).orWhere("target", user));
    }
    if (filter.domain !== undefined) {
      const domain = filter.domain;
      // A suffix at a label boundary; right() instead of LIKE, whose `_` would be a wildcard.
      q.where((w) =>
        w.where("fqdn", domain).orWhereRaw("right(fqdn, ?) = ?", [domain.length + 1, `.${domain}`]),
      );
    }
    if (filter.action !== undefined) q.where("action", filter.action);
    if (filter.outcome !== undefined) q.where("outcome", filter.outcome);
    if (filter.since !== undefined) q.where("occurred_at", ">=", filter.since);
    if (filter.until !== undefined) q.where("occurred_at", "<", filter.until);
    return q;
  }

  /** Newest first. */
  async query(filter: AuditFilter, page: { limit: number; offset: number }): Promise<AuditPage> {
    const [countRow] = await this.filtered(filter).count<{ count: string | number }[]>({ count: "*" });
    const rows = await this.filtered(filter)
      .select<RawRecord[]>("*")
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(page.limit)
      .offset(page.offset);
    return { total: Number(countRow?.count ?? 0), records: rows.map(toRecord) };
  }

  /**
   * Deletes records older than `before`, `batchSize` rows per statement so a large backlog never
   * holds a long lock or one huge transaction. Returns how many were deleted.
   */
  async deleteOlderThan(before: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.knex(AUDIT_TABLE)
        .whereIn("id", this.knex(AUDIT_TABLE).select("id").where("occurred_at", "<", before).limit(batchSize))
        .delete();
      total += n;
      if (n < batchSize) return total;
    }
  }
}
