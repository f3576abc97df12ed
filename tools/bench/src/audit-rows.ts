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
   * Most failure rows in one 60 s stretch counted from the first failure row: the aggregator's
   * window starts at a failure and its rows carry their first attempt's time, so this
   * approximates its per-window bound even when the run spans two windows.
   */
  readonly maxFailureRowsPerWindow: number;
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
      `with f as (select occurred_at from hlp_audit_log where ${failure})
       select coalesce(max(n), 0)::int as max from (
         select count(*) as n from f
          group by floor(extract(epoch from occurred_at - (select min(occurred_at) from f)) / 60)) per_window`,
    );
    return {
      rows: row.rows,
      attempts: row.attempts,
      failureRows: row.failure_rows,
      failureAttempts: row.failure_attempts,
      maxFailureRowsPerWindow: w.rows[0]?.max ?? 0,
    };
  } finally {
    await client.end();
  }
}
