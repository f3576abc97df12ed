/**
 * Reads named members of an uncompressed tar (POSIX ustar with pax or GNU long-name headers, as GNU
 * tar and skopeo write them) by seeking from header to header, so a 100 MB rock costs a few reads.
 */
import { open } from "node:fs/promises";

const BLOCK = 512;

export class TarFormatError extends Error {
  override readonly name = "TarFormatError";
}

interface Header {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  // GNU base-256 for sizes of 8 GiB and more: high bit set in the first byte.
  if ((block[offset] ?? 0) & 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] ?? 0);
    return value;
  }
  const text = field(block, offset, length).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** Parses one 512-byte header; undefined for the zero block that ends the archive. */
export function parseHeader(block: Buffer): Header | undefined {
  if (block.every((b) => b === 0)) return undefined;
  let checksum = 0;
  for (let i = 0; i < BLOCK; i++) checksum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  if (checksum !== octal(block, 148, 8)) throw new TarFormatError("tar header checksum mismatch");
  const prefix = field(block, 345, 155);
  const name = field(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: octal(block, 124, 12),
    type: field(block, 156, 1) || "0",
  };
}

/** `path` from pax extended-header records ("<len> path=<value>\n"). */
export function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(offset, space).toString("ascii"), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") return record.slice(eq + 1);
    offset += length;
  }
  return undefined;
}

/** "./index.json" and "index.json" name the same member. */
export function normalizeName(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/**
 * Returns the contents of the regular-file members whose normalised names are in `wanted`
 * (missing names are absent from the map). Members larger than `maxBytes` are refused.
 */
export async function readTarMembers(
  path: string,
  wanted: ReadonlySet<string>,
  maxBytes = 16 * 1024 * 1024,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const file = await open(path, "r");
  try {
    const { size: fileSize } = await file.stat();
    let position = 0;
    let longName: string | undefined;
    const block = Buffer.alloc(BLOCK);
    const readAt = async (length: number, at: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, at);
      if (bytesRead !== length) throw new TarFormatError(`${path} ends in the middle of a member`);
      return buffer;
    };
    while (position + BLOCK <= fileSize && found.size < wanted.size) {
      await file.read(block, 0, BLOCK, position);
      const header = parseHeader(block);
      if (!header) break;
      const dataAt = position + BLOCK;
      position = dataAt + Math.ceil(header.size / BLOCK) * BLOCK;
      if (header.type === "x" || header.type === "L") {
        const data = await readAt(header.size, dataAt);
        longName = header.type === "x" ? paxPath(data) : field(data, 0, data.length);
        continue;
      }
      const name = normalizeName(longName ?? header.name);
      longName = undefined;
      if ((header.type === "0" || header.type === "7") && wanted.has(name)) {
        if (header.size > maxBytes)
          throw new TarFormatError(`${name} in ${path} is larger than ${maxBytes} bytes`);
        found.set(name, await readAt(header.size, dataAt));
      }
    }
    return found;
  } finally {
    await file.close();
  }
}
