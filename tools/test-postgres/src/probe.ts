/** Whether a PostgreSQL server answers a connection string, as the tests would use it. */
import pg from "pg";

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Connects and runs `select 1`. A server that answers but refuses the login (say, it wants a
 * password) counts as not answering: the tests need trust authentication.
 */
export async function probe(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // An unreachable server can also fail after connect; without a listener that would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => {});
  }
}
