import type { ExecProtocolOptionsStream, PGlite } from "@electric-sql/pglite";

/** NotificationResponse ('A') in PostgreSQL's backend protocol. */
const NOTIFICATION_RESPONSE = 0x41;

/**
 * Finds NotificationResponse messages in a stream of backend protocol bytes that may be cut at
 * any point. Other messages are skipped by their length without being copied.
 */
export class NotificationScanner {
  private partial: Uint8Array | undefined;
  private skip = 0;

  constructor(private readonly onNotification: (channel: string, payload: string) => void) {}

  push(chunk: Uint8Array): void {
    let data = chunk;
    let pos = 0;
    if (this.skip > 0) {
      pos = Math.min(this.skip, data.length);
      this.skip -= pos;
    }
    if (this.partial) {
      const joined = new Uint8Array(this.partial.length + data.length - pos);
      joined.set(this.partial);
      joined.set(data.subarray(pos), this.partial.length);
      data = joined;
      pos = 0;
      this.partial = undefined;
    }
    while (pos < data.length) {
      if (data.length - pos < 5) {
        this.partial = data.slice(pos);
        return;
      }
      const type = data[pos];
      const length = new DataView(data.buffer, data.byteOffset + pos + 1, 4).getInt32(0);
      const end = pos + 1 + length;
      if (type !== NOTIFICATION_RESPONSE) {
        if (end > data.length) {
          this.skip = end - data.length;
          return;
        }
        pos = end;
        continue;
      }
      if (end > data.length) {
        this.partial = data.slice(pos);
        return;
      }
      // Int32 process id, then the channel and the payload as NUL-terminated strings.
      const channelStart = pos + 9;
      const channelEnd = data.indexOf(0, channelStart);
      const payloadEnd = data.indexOf(0, channelEnd + 1);
      if (channelEnd >= 0 && payloadEnd >= 0 && payloadEnd < end) {
        const text = new TextDecoder();
        this.onNotification(
          text.decode(data.subarray(channelStart, channelEnd)),
          text.decode(data.subarray(channelEnd + 1, payloadEnd)),
        );
      }
      pos = end;
    }
  }
}

/**
 * PGlite runs every socket client's queries in its one backend session and streams the raw
 * replies back to whichever client sent the query, so a NOTIFY from the CLI reaches the CLI's
 * connection, never a listener's, and PGlite's own listen() does not see it either (it only parses
 * replies to queries run in process). The hosting process therefore reads the notifications out
 * of every reply as it streams past (the client still receives its bytes unchanged).
 */
export function tapNotifications(
  db: PGlite,
  onNotification: (channel: string, payload: string) => void,
): void {
  const stream = db.execProtocolRawStream.bind(db);
  db.execProtocolRawStream = (
    message: Uint8Array,
    options: ExecProtocolOptionsStream = { onRawData: () => {} },
  ) => {
    const scanner = new NotificationScanner(onNotification);
    const forward = options.onRawData;
    return stream(message, {
      ...options,
      onRawData: (data: Uint8Array) => {
        scanner.push(data);
        forward(data);
      },
    });
  };
}
