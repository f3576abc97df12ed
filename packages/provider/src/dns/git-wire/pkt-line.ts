/**
 * git's pkt-line framing (gitprotocol-common): four hex digits giving the length of the line
 * including themselves, then the payload; `0000` is a flush packet. Pure.
 */

export const FLUSH_PKT = Buffer.from("0000", "ascii");
const MAX_PKT_LENGTH = 65520;

export class PktLineError extends Error {
  override readonly name = "PktLineError";
}

export function encodePktLine(payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const length = body.length + 4;
  if (length > MAX_PKT_LENGTH)
    throw new PktLineError(`pkt-line of ${length} bytes exceeds ${MAX_PKT_LENGTH}`);
  return Buffer.concat([Buffer.from(length.toString(16).padStart(4, "0"), "ascii"), body]);
}

/** A decoded packet: its payload, or `flush` for `0000`. */
export type Pkt = { readonly kind: "data"; readonly payload: Buffer } | { readonly kind: "flush" };

/**
 * Splits a byte stream into packets as chunks arrive. `take()` returns every complete packet
 * buffered so far and keeps a partial one for the next chunk.
 */
export class PktLineDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
  }

  take(): Pkt[] {
    const out: Pkt[] = [];
    while (this.buffered.length >= 4) {
      const header = this.buffered.subarray(0, 4).toString("ascii");
      if (!/^[0-9a-f]{4}$/i.test(header)) throw new PktLineError(`invalid pkt-line length "${header}"`);
      const length = Number.parseInt(header, 16);
      if (length === 0) {
        out.push({ kind: "flush" });
        this.buffered = this.buffered.subarray(4);
        continue;
      }
      // 0001 and 0002 are protocol v2 delimiters, never sent by a v0 receive-pack.
      if (length < 4) throw new PktLineError(`unexpected pkt-line length ${length}`);
      if (this.buffered.length < length) break;
      out.push({ kind: "data", payload: this.buffered.subarray(4, length) });
      this.buffered = this.buffered.subarray(length);
    }
    return out;
  }

  /** Bytes received but not yet part of a complete packet. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** A packet's text without its trailing newline (payloads are ASCII in the push protocol). */
export function pktText(payload: Buffer): string {
  const text = payload.toString("latin1");
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
