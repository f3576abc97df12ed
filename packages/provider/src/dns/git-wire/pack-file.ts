/**
 * A version 2 packfile (gitformat-pack) of whole objects: what a push of one commit sends.
 * No deltas: a batch is a handful of small objects, and zlib already squeezes the zone text.
 * Pure.
 */
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import type { GitObject, ObjectType } from "./git-objects.js";

const TYPE_CODES: Readonly<Record<ObjectType, number>> = { commit: 1, tree: 2, blob: 3 };

/** Type and inflated size as the variable-length header that precedes each packed object. */
export function packObjectHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODES[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

export function buildPackFile(objects: readonly GitObject[]): Buffer {
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "ascii");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  for (const o of objects) parts.push(packObjectHeader(o.type, o.body.length), deflateSync(o.body));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}
