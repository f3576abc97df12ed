/** What an attack left in the service's audit table (`hlp_audit_log`). */
import pg from "pg";

export interface AuditRows {
  readonly rows: number;
  /** Sum of the `count` column: attempts the rows stand for. */
  readonly attempts: number;
  /** Rows of the failure aggregator (unauthenticated challenges, denied admin logins). */
  readonly failureRows: number;
  readonly failureAttempts: number;
  /**
   * Most failure rows in one UTC minute: the aggregator's windows are wall-clock minutes and a
   * row carries its first attempt's time, so this is its per-window bound as it held.
   */
  readonly maxFailureRowsPerMinute: number;
}

/** PostgreSQL by URL, or the embedded database by the directory of its unix socket. */
export type AuditConnection = { readonly url: string } | { readonly socketDir: string };

export async function readAuditRows(to: AuditConnection): Promise<AuditRows> {
  const client =
    "url" in to
      ? new pg.Client({ connectionString: to.url })
      : new pg.Client({ host: to.socketDir, port: 5432, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    // Same predicate as the service's FailureAggregator decides which entries it folds.
    const failure = "(outcome = 'unauthenticated' or (action = 'session.login' and outcome = 'denied'))";
    const r = await client.query<{
      rows: number;
      attempts: number;
      failure_rows: number;
      failure_attempts: number;
    }>(
      `select count(*)::int as rows, coalesce(sum(count), 0)::int as attempts,
              (count(*) filter (where ${failure}))::int as failure_rows,
              coalesce(sum(count) filter (where ${failure}), 0)::int as failure_attempts
         from hlp_audit_log`,
    );
    const row = r.rows[0];
    if (row === undefined) throw new Error("no answer counting hlp_audit_log");
    const w = await client.query<{ max: number }>(
      `select coalesce(max(n), 0)::int as max from (
         select count(*) as n from hlp_audit_log where ${failure}
          group by date_trunc('minute', occurred_at)) per_minute`,
    );
    return {
      rows: row.rows,
      attempts: row.attempts,
      failureRows: row.failure_rows,
      failureAttempts: row.failure_attempts,
      maxFailureRowsPerMinute: w.rows[0]?.max ?? 0,
    };
  } finally {
    await client.end();
  }
}
