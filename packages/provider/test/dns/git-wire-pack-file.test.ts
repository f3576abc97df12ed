/**
 * The packfile a push sends: object headers follow gitformat-pack's size encoding, and real
 * git (index-pack for large pushes, unpack-objects for small ones, as receive-pack chooses)
 * accepts the pack and reads back exactly the objects we built.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitBody,
  type GitObject,
  gitObject,
  type ObjectType,
  serializeTree,
} from "../../src/dns/git-wire/git-objects.js";
import { buildPackFile, packObjectHeader } from "../../src/dns/git-wire/pack-file.js";
import { makeTempDir, zoneText } from "./git-fixtures.js";
import { gitRaw, gitText, runRaw } from "./git-wire-fixtures.js";

let scratch: string;

beforeAll(async () => {
  scratch = await makeTempDir("git-wire-pack-");
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const TYPE_BITS: Readonly<Record<ObjectType, number>> = { commit: 1, tree: 2, blob: 3 };

/**
 * gitformat-pack: the first byte is MSB (more follows), 3 type bits, the 4 low bits of the size;
 * each next byte is MSB plus the next 7 bits of the size, least significant first.
 */
function decodeHeader(bytes: Buffer): { type: number; size: number; length: number } {
  let at = 0;
  let byte = bytes[at++] as number;
  const type = (byte >> 4) & 0x07;
  let size = byte & 0x0f;
  let shift = 4;
  while (byte & 0x80) {
    byte = bytes[at++] as number;
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  return { type, size, length: at };
}

describe("packObjectHeader", () => {
  // Hand-computed from the rule above, for a blob (type 3); other types differ in bits 4-6 only.
  const BLOB_HEADERS: ReadonlyArray<readonly [number, number[]]> = [
    [0, [0x30]],
    [15, [0x3f]],
    [16, [0xb0, 0x01]],
    [127, [0xbf, 0x07]],
    [2047, [0xbf, 0x7f]],
    [2048, [0xb0, 0x80, 0x01]],
    [1_000_000, [0xb0, 0xa4, 0xe8, 0x03]],
  ];
  const cases = (["commit", "tree", "blob"] as const).flatMap((type) =>
    BLOB_HEADERS.map(([size, bytes]) => {
      const first = ((bytes[0] as number) & 0x8f) | (TYPE_BITS[type] << 4);
      return [type, size, [first, ...bytes.slice(1)]] as const;
    }),
  );

  it.each(cases)("%s of %i bytes -> %j", (type, size, bytes) => {
    expect([...packObjectHeader(type, size)]).toEqual(bytes);
  });

  it.each(cases)("%s of %i bytes decodes back to its type and size", (type, size) => {
    const header = packObjectHeader(type, size);
    expect(decodeHeader(header)).toEqual({ type: TYPE_BITS[type], size, length: header.length });
  });

  it("round-trips sizes beyond 32 bits, where bit operations would wrap", () => {
    for (const size of [2 ** 28 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 40 + 123]) {
      expect(decodeHeader(packObjectHeader("blob", size)).size).toBe(size);
    }
  });
});

describe("buildPackFile with real git", () => {
  function objects(blobBody: Buffer): GitObject[] {
    const blob = gitObject("blob", blobBody);
    const tree = gitObject(
      "tree",
      serializeTree([{ mode: "100644", name: "example.com.domain", id: blob.id }]),
    );
    const who = { name: "n", email: "e@x", when: new Date("2026-11-25T12:00:00Z") };
    const commit = gitObject(
      "commit",
      commitBody({ tree: tree.id, parents: [], author: who, committer: who, message: "zones" }),
    );
    return [blob, tree, commit];
  }

  async function freshRepo(): Promise<string> {
    const dir = await makeTempDir("repo-", scratch);
    await gitRaw(["init", "--quiet", "--bare", "--initial-branch", "main", dir]);
    return dir;
  }

  // receive-pack keeps a push of fewer than 100 objects loose (unpack-objects), else index-pack.
  const loaders: ReadonlyArray<readonly [string, string[]]> = [
    ["index-pack", ["index-pack", "--stdin", "--strict"]],
    ["unpack-objects", ["unpack-objects", "--strict"]],
  ];
  const bodies: ReadonlyArray<readonly [string, () => Buffer]> = [
    ["a zone file", () => Buffer.from(zoneText("example.com"))],
    ["an empty blob", () => Buffer.alloc(0)],
    ["1 MB of random bytes", () => randomBytes(1_000_000)],
  ];

  it.each(
    loaders.flatMap(([loader, args]) => bodies.map(([what, body]) => [loader, what, args, body] as const)),
  )(
    "%s takes blob, tree and commit with %s, and cat-file returns them byte for byte",
    async (_, __, args, body) => {
      const dir = await freshRepo();
      const objs = objects(body());
      const pack = buildPackFile(objs);
      const loaded = await runRaw("git", args, { cwd: dir, input: pack });
      expect(loaded.stderr).toBe("");
      expect(loaded.code).toBe(0);
      for (const o of objs) {
        expect(await gitText(["cat-file", "-t", o.id], { cwd: dir })).toBe(o.type);
        expect((await gitRaw(["cat-file", o.type, o.id], { cwd: dir })).equals(o.body)).toBe(true);
      }
      await gitRaw(["update-ref", "refs/heads/main", (objs[2] as GitObject).id], { cwd: dir });
      const fsck = await runRaw("git", ["fsck", "--strict", "--no-dangling", "--no-progress"], { cwd: dir });
      expect([fsck.code, fsck.stderr]).toEqual([0, ""]);
    },
  );

  it("verify-pack lists each object with its type and size, and the trailer is the pack's SHA-1", async () => {
    const dir = await freshRepo();
    const objs = objects(Buffer.from(zoneText("example.com")));
    const pack = buildPackFile(objs);
    const name = await gitText(["index-pack", "--stdin"], { cwd: dir, input: pack });
    // index-pack names the pack after its trailing checksum
    expect(name.replace(/^pack\t/, "")).toBe(pack.subarray(pack.length - 20).toString("hex"));
    const idx = join(dir, "objects", "pack", `pack-${pack.subarray(pack.length - 20).toString("hex")}.idx`);
    const listing = await gitText(["verify-pack", "-v", idx], { cwd: dir });
    for (const o of objs) {
      expect(listing).toMatch(new RegExp(`^${o.id} ${o.type} +${o.body.length} `, "m"));
    }
    expect(listing).toMatch(/^non delta: 3 objects$/m);
  });

  it("writes the header git expects: PACK, version 2, the object count", () => {
    const pack = buildPackFile(objects(Buffer.from("x")));
    expect(pack.subarray(0, 4).toString("ascii")).toBe("PACK");
    expect(pack.readUInt32BE(4)).toBe(2);
    expect(pack.readUInt32BE(8)).toBe(3);
  });

  it("a corrupted byte is caught by git (the trailer is a real checksum)", async () => {
    const dir = await freshRepo();
    const pack = Buffer.from(buildPackFile(objects(Buffer.from(zoneText("example.com")))));
    pack[pack.length - 25] = (pack[pack.length - 25] as number) ^ 0xff;
    const loaded = await runRaw("git", ["index-pack", "--stdin"], { cwd: dir, input: pack });
    expect(loaded.code).not.toBe(0);
  });
});
