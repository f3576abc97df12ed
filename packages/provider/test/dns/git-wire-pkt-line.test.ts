/**
 * pkt-line framing: what we write must be what git reads, and a reply split anywhere by the
 * pipe must decode to the same packets. Real `git receive-pack` output is the oracle.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodePktLine,
  FLUSH_PKT,
  type Pkt,
  PktLineDecoder,
  PktLineError,
  pktText,
} from "../../src/dns/git-wire/pkt-line.js";
import { makeBareRepo, makeTempDir } from "./git-fixtures.js";
import { gitRaw } from "./git-wire-fixtures.js";

let scratch: string;
/** A real ref advertisement: what `git receive-pack` prints before it waits for commands. */
let advertisement: Buffer;

beforeAll(async () => {
  scratch = await makeTempDir("git-wire-pkt-");
  const bare = await makeBareRepo(scratch, ["example.com"]);
  await gitRaw(["--git-dir", bare, "branch", "other", "main"]);
  // A flush with no commands makes receive-pack exit cleanly after advertising.
  advertisement = await gitRaw(["receive-pack", bare], { input: FLUSH_PKT });
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function decodeIn(stream: Buffer, sizes: readonly number[]): { packets: Pkt[]; pending: number } {
  const decoder = new PktLineDecoder();
  const packets: Pkt[] = [];
  let at = 0;
  let i = 0;
  while (at < stream.length) {
    const size = sizes[i % sizes.length] as number;
    decoder.push(stream.subarray(at, at + size));
    packets.push(...decoder.take());
    at += size;
    i += 1;
  }
  return { packets, pending: decoder.pending };
}

function render(packets: readonly Pkt[]): string[] {
  return packets.map((p) => (p.kind === "flush" ? "<flush>" : p.payload.toString("hex")));
}

describe("encodePktLine", () => {
  it.each([
    ["empty string", "", "0004"],
    ["a line", "a\n", "0006a\n"],
    // the length counts bytes, not characters: é is two bytes in UTF-8
    ["utf8 text", "caf\u00e9", "0009caf\u00e9"],
    ["want line", "want 0123\n", "000ewant 0123\n"],
  ])("%s", (_, payload, expected) => {
    expect(encodePktLine(payload).toString("utf8")).toBe(expected);
  });

  it("writes a Buffer's bytes verbatim, including NUL and bytes that are not UTF-8", () => {
    const body = Buffer.from([0x00, 0xe9, 0xff, 0x0a]);
    expect(encodePktLine(body)).toEqual(Buffer.concat([Buffer.from("0008"), body]));
  });

  it("takes the largest packet git allows (65520 bytes with the header) and refuses one more byte", () => {
    const max = encodePktLine(Buffer.alloc(65516, 0x61));
    expect(max.subarray(0, 4).toString("ascii")).toBe("fff0");
    expect(max.length).toBe(65520);
    expect(() => encodePktLine(Buffer.alloc(65517))).toThrow(PktLineError);
    expect(() => encodePktLine("x".repeat(70_000))).toThrow(/exceeds 65520/);
  });

  it("re-encodes every packet of a real receive-pack advertisement to the same bytes", () => {
    const { packets } = decodeIn(advertisement, [advertisement.length]);
    const again = Buffer.concat(
      packets.map((p) => (p.kind === "flush" ? FLUSH_PKT : encodePktLine(p.payload))),
    );
    expect(again.equals(advertisement)).toBe(true);
  });
});

describe("PktLineDecoder", () => {
  const synthetic = Buffer.concat([
    encodePktLine("first\n"),
    FLUSH_PKT,
    encodePktLine(Buffer.from([0x00, 0x30, 0x30, 0x30, 0x30, 0xff])), // looks like a header inside
    encodePktLine(""),
    encodePktLine(Buffer.alloc(3000, 0x62)),
    FLUSH_PKT,
    FLUSH_PKT,
  ]);

  it("decodes a real advertisement: refs, then one flush at the end", () => {
    const { packets, pending } = decodeIn(advertisement, [advertisement.length]);
    expect(pending).toBe(0);
    expect(packets.at(-1)).toEqual({ kind: "flush" });
    expect(packets.filter((p) => p.kind === "flush")).toHaveLength(1);
    const refs = packets.flatMap((p) => (p.kind === "data" ? [pktText(p.payload).split("\0")[0]] : []));
    expect(refs.map((r) => r?.slice(41))).toEqual(["refs/heads/main", "refs/heads/other"]);
  });

  // Pipes deliver arbitrary chunks: one byte at a time, odd sizes, a header split in two.
  it.each([[[1]], [[2]], [[3]], [[5]], [[7, 1, 13]], [[4]], [[4096]], [[1, 2, 3, 4, 5, 6, 7, 8, 9]]])(
    "gives the same packets when fed in chunks of %j",
    (sizes) => {
      for (const stream of [advertisement, synthetic]) {
        const whole = decodeIn(stream, [stream.length]);
        const split = decodeIn(stream, sizes);
        expect(render(split.packets)).toEqual(render(whole.packets));
        expect(split.pending).toBe(0);
      }
    },
  );

  it("keeps a partial packet pending until the rest arrives", () => {
    const decoder = new PktLineDecoder();
    decoder.push(Buffer.from("000ahel"));
    expect(decoder.take()).toEqual([]);
    expect(decoder.pending).toBe(7);
    decoder.push(Buffer.from("lo\n0000"));
    expect(render(decoder.take())).toEqual([Buffer.from("hello\n").toString("hex"), "<flush>"]);
    expect(decoder.pending).toBe(0);
  });

  it("decodes the synthetic stream, flushes included", () => {
    expect(render(decodeIn(synthetic, [synthetic.length]).packets)).toEqual([
      Buffer.from("first\n").toString("hex"),
      "<flush>",
      "0030303030ff",
      "",
      Buffer.alloc(3000, 0x62).toString("hex"),
      "<flush>",
      "<flush>",
    ]);
  });

  it.each([
    ["text that is not a length", "garbage\n", /invalid pkt-line length "garb"/],
    ["a space in the length", " 00a", /invalid pkt-line length/],
    ["a protocol v2 delimiter", "0001", /unexpected pkt-line length 1/],
    ["a response-end packet", "0002", /unexpected pkt-line length 2/],
    ["a length shorter than its header", "0003", /unexpected pkt-line length 3/],
  ])("refuses %s", (_, bytes, message) => {
    const decoder = new PktLineDecoder();
    decoder.push(Buffer.from(bytes, "latin1"));
    expect(() => decoder.take()).toThrow(PktLineError);
    const again = new PktLineDecoder();
    again.push(Buffer.from(bytes, "latin1"));
    expect(() => again.take()).toThrow(message);
  });

  it("accepts upper-case hex lengths", () => {
    const decoder = new PktLineDecoder();
    decoder.push(Buffer.concat([Buffer.from("000A"), Buffer.from("abcdef")]));
    expect(render(decoder.take())).toEqual([Buffer.from("abcdef").toString("hex")]);
  });
});

describe("pktText", () => {
  it.each([
    ["ok refs/heads/main\n", "ok refs/heads/main"],
    ["no newline", "no newline"],
    // only one newline belongs to the framing
    ["two\n\n", "two\n"],
    ["\n", ""],
    ["", ""],
  ])("%j -> %j", (payload, text) => {
    expect(pktText(Buffer.from(payload, "latin1"))).toBe(text);
  });

  it("maps every byte to one character (latin1), so nothing is lost or replaced", () => {
    expect(pktText(Buffer.from([0x6e, 0x67, 0x20, 0xe9, 0x0a]))).toBe("ng \u00e9");
  });
});
