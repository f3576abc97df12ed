/**
 * One dedicated PostgreSQL connection per replica: it LISTENs for the change queue's
 * notifications and, on the replica that writes the DNS repository, holds a session advisory
 * lock — the writer lease. PostgreSQL releases the lock when the connection ends, so a writer
 * that crashes or is cut off never keeps the others waiting; that same moment ends our lease
 * here (`onLost`), and the next poll connects again.
 */
import pg from "pg";

export interface WriterLeaseOptions {
  readonly url: string;
  /** Signed 64-bit advisory lock key, as text. */
  readonly lockKey: string;
  /** Listened to while another replica writes (e.g. answers). */
  readonly waiterChannels: readonly string[];
  /** Listened to while this replica writes (e.g. queued changes), instead of the waiter's. */
  readonly writerChannels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** The connection ended: any lease it held is gone. */
  onLost(reason: string): void;
}

export class WriterLease {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private held = false;
  private closed = false;

  constructor(private readonly options: WriterLeaseOptions) {}

  /** True while this replica holds the writer lock. */
  get holding(): boolean {
    return this.held;
  }

  /** Connects and LISTENs if not connected (again, after a loss). */
  connect(): Promise<pg.Client> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Tries to take the writer lock without waiting; true when this replica holds it. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    const client = await this.connect();
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1::bigint) AS locked",
      [this.options.lockKey],
    );
    if (result.rows[0]?.locked !== true) return false;
    // Each NOTIFY wakes every listening session: listen only to what this role needs.
    for (const channel of this.options.waiterChannels) await client.query(`UNLISTEN ${channel}`);
    for (const channel of this.options.writerChannels) await client.query(`LISTEN ${channel}`);
    this.held = true;
    return true;
  }

  /** Gives the lock up (at shutdown) and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the session releases the lock and the LISTENs.
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<pg.Client> {
    if (this.closed) throw new Error("the writer lease is closed");
    const client = new pg.Client({
      connectionString: this.options.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const lost = (reason: string): void => {
      if (this.client !== client) return;
      this.client = undefined;
      const wasHeld = this.held;
      this.held = false;
      client.end().catch(() => undefined);
      if (!this.closed) this.options.onLost(wasHeld ? `writer lock lost: ${reason}` : reason);
    };
    client.on("error", (err) => lost(err.message));
    client.on("end", () => lost("connection ended"));
    client.on("notification", (n) => this.options.onNotification(n.channel, n.payload ?? ""));
    await client.connect();
    try {
      // A writer whose pod vanished sends no FIN: without these, PostgreSQL would hold its lock
      // until the kernel's keepalive (two hours by default) notices, and nobody would write.
      await client.query(
        "SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)",
      );
      for (const channel of this.options.waiterChannels) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }
}
