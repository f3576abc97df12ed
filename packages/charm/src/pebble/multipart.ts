import { randomBytes } from "node:crypto";

/** One part of a multipart/form-data body. */
export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  body: Buffer;
}

export function buildMultipart(parts: readonly Part[]): { boundary: string; body: Buffer } {
  const boundary = `hlp${randomBytes(12).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ""}`;
    const header = `--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.contentType ?? "application/octet-stream"}\r\n\r\n`;
    chunks.push(Buffer.from(header), part.body, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, body: Buffer.concat(chunks) };
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  return match ? (match[1] ?? match[2])?.trim() : undefined;
}

/** Splits a multipart body into parts (enough of RFC 7578 for Pebble's Go `mime/multipart`). */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === "\r\n") end -= 2;
    const headerEnd = body.indexOf("\r\n\r\n", start);
    if (headerEnd === -1 || headerEnd > end) break;
    const headers = body.subarray(start, headerEnd).toString("utf8");
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? "";
    const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1];
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1] ?? "";
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    parts.push({
      name,
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      body: body.subarray(headerEnd + 4, end),
    });
    pos = next;
  }
  return parts;
}
