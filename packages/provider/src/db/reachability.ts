/**
 * Is the database there? Errors that say it is not, and a breaker that remembers it: once a
 * query found the database unreachable, the hot path stops trying it per request (each attempt
 * is a new connection refused or timed out) and a background probe finds when it is back.
 */
import type { Knex } from "knex";

/** Node's socket errors: the server is not listening, went away, or its name does not resolve. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ENOENT", // a Unix socket path with no server behind it
]);

/** node-postgres's own messages when the connection ends under a query or cannot be used. */
const DRIVER_MESSAGES =
  /Connection terminated|Timeout acquiring a connection|connection error and is not queryable|Client was closed|Connection ended|timeout exceeded when trying to connect/i;

/**
 * True when `err` (or its cause) says the database cannot be reached or cannot serve now: a
 * socket error, the driver's "connection terminated", knex's pool timeout, the breaker's own
 * refusal, or a SQLSTATE of class 08 (connection), 53 (insufficient resources) or 57 (operator
 * intervention, e.g. a shutdown). A positive test: a programming error, or the server's answer to
 * the client's own input (a NUL in a name is 22021), is not taken for an outage.
 */
export function isDatabaseDown(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === "object" && e !== null && depth < 5; depth += 1) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (e instanceof DatabaseDownError) return true;
    if (typeof code === "string") {
      if (SOCKET_CODES.has(code)) return true;
      if (/^(08|53|57)[0-9A-Z]{3}$/.test(code)) return true;
    }
    if (name === "KnexTimeoutError") return true;
    if (typeof message === "string" && DRIVER_MESSAGES.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseDown(inner))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What the breaker throws instead of trying a database it knows is down. No SQLSTATE: unreachable. */
export class DatabaseDownError extends Error {
  override readonly name = "DatabaseDownError";
  constructor(since: number) {
    super(`the database has been unreachable since ${new Date(since).toISOString()}`);
  }
}

export interface DatabaseBreakerOptions {
  /** One cheap query; it resolving means the database is back. */
  readonly probe: () => Promise<unknown>;
  /** How often the probe runs while the database is down (ms). */
  readonly probeEveryMs?: number;
  readonly now?: () => number;
  readonly onChange?: (down: boolean, err?: unknown) => void;
}

/**
 * Open while the database is known to be down: `check()` then throws at once instead of letting a
 * request open a connection that will be refused. A failure reported by any query opens it; the
 * probe alone closes it, so requests never pay for finding out.
 */
export class DatabaseBreaker {
  private downSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private readonly probeEveryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DatabaseBreakerOptions) {
    this.probeEveryMs = options.probeEveryMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** Throws DatabaseDownError while the database is known to be down. */
  check(): void {
    if (this.downSince !== undefined) throw new DatabaseDownError(this.downSince);
  }

  /** Runs `query` unless the database is known down; an outage it meets opens the breaker. */
  async run<T>(query: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await query();
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /** A query failed: if the database is unreachable, stop trying it until the probe succeeds. */
  failed(err: unknown): void {
    if (this.closed || this.downSince !== undefined || !isDatabaseDown(err)) return;
    if (err instanceof DatabaseDownError) return;
    this.downSince = this.now();
    this.options.onChange?.(true, err);
    this.timer = setInterval(() => void this.tryProbe(), this.probeEveryMs);
    this.timer.unref();
  }

  /** A query got through (e.g. the readiness check's): the database is back. */
  succeeded(): void {
    if (this.downSince === undefined) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.downSince = undefined;
    this.options.onChange?.(false);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tryProbe(): Promise<void> {
    if (this.probing || this.downSince === undefined) return;
    this.probing = true;
    try {
      await this.options.probe();
      this.succeeded();
    } catch {
      // still down
    } finally {
      this.probing = false;
    }
  }
}

/** The breaker's probe on a knex pool: one trivial query. */
export function knexProbe(knex: Knex): () => Promise<unknown> {
  return () => knex.raw("SELECT 1");
}
