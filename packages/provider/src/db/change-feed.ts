import pg from "pg";

/** Receives the notifications of one channel. */
export interface ChangeListener {
  onNotification(payload: string): void;
  /**
   * The feed lost (or regained) its connection: notifications may have been missed, so whatever
   * was derived from earlier ones must be re-validated.
   */
  onReset(): void;
}

/** A subscription to one channel; `connected` is false while notifications may be missed. */
export interface ChangeSubscription {
  readonly connected: boolean;
  close(): Promise<void>;
}

/** A subscription that never hears anything (a process that hosts no feed): nothing is trusted. */
export const DEAF_SUBSCRIPTION: ChangeSubscription = { connected: false, close: async () => {} };

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * LISTEN on PostgreSQL through a connection of its own (a pooled one would be handed to queries
 * and lose the LISTEN). When the connection drops, the listener is reset and a new connection is
 * tried with backoff; once it listens again, the listener is reset once more, because changes made
 * in between were never announced to this process.
 */
export async function listenOnPostgres(
  connection: pg.ClientConfig,
  channel: string,
  listener: ChangeListener,
  onError: (err: unknown) => void = () => {},
): Promise<ChangeSubscription> {
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = RECONNECT_MIN_MS;

  const lost = (err: unknown) => {
    if (closed) return;
    if (connected) listener.onReset();
    connected = false;
    onError(err);
    const failed = client;
    client = undefined;
    failed?.end().catch(() => {});
    if (!retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void attempt();
      }, delay);
      retry.unref();
      delay = Math.min(RECONNECT_MAX_MS, delay * 2);
    }
  };

  const attempt = async () => {
    if (closed) return;
    const c = new pg.Client(connection);
    client = c;
    c.on("error", (err) => {
      if (client === c) lost(err);
    });
    c.on("end", () => {
      if (client === c) lost(new Error("the notification connection closed"));
    });
    c.on("notification", (n) => listener.onNotification(n.payload ?? ""));
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      if (client === c) lost(err);
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    connected = true;
    delay = RECONNECT_MIN_MS;
    listener.onReset();
  };

  await attempt();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      connected = false;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
