import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyTxtChange, bumpSoaSerial, type TxtChange } from "../../src/dns/zone-file.js";

const run = promisify(execFile);
const ZONE = "example.test";
const START = [
  "; demo zone",
  "$TTL 3600",
  "@\tIN\tSOA\tns1.example.test. hostmaster.example.test. (",
  "\t\t2024010101 ; serial",
  "\t\t7200 3600 1209600 3600 )",
  "\tIN\tNS\tns1",
  "ns1\tIN\tA\t192.0.2.1",
  "",
].join("\n");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "zone-check-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs bind's own parser on the file and returns its canonical dump. */
async function namedCheckzone(text: string): Promise<string> {
  const file = join(dir, `zone-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, text);
  const { stdout } = await run("named-checkzone", ["-q", "-D", "-o", "-", ZONE, file]);
  return stdout;
}

const change: fc.Arbitrary<TxtChange> = fc.oneof(
  fc
    .tuple(fc.constantFrom("", "www.", "a.b."), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/))
    .map(([sub, value]) => ({ kind: "present" as const, fqdn: `_acme-challenge.${sub}${ZONE}`, value })),
  fc
    .constantFrom("", "www.")
    .map((sub) => ({ kind: "cleanup" as const, fqdn: `_acme-challenge.${sub}${ZONE}`, value: undefined })),
);

describe("zone files produced by the editor", () => {
  it("pass named-checkzone and hold exactly the records written", async () => {
    const histories = fc.sample(fc.array(change, { minLength: 1, maxLength: 12 }), { numRuns: 15, seed: 7 });
    for (const [i, history] of histories.entries()) {
      let text = START;
      const expected = new Map<string, Set<string>>();
      for (const c of history) {
        text = applyTxtChange(text, ZONE, c).text;
        const values = expected.get(c.fqdn) ?? new Set<string>();
        if (c.kind === "present") values.add(c.value);
        else values.clear();
        expected.set(c.fqdn, values);
        text = bumpSoaSerial(text, ZONE, `202611${10 + i}`);
      }
      const dump = await namedCheckzone(text);
      const txt = dump
        .split("\n")
        .filter((l) => /\sTXT\s/.test(l))
        .map((l) => l.replace(/\s+/g, " "));
      const want = [...expected].flatMap(([fqdn, vs]) => [...vs].map((v) => `${fqdn}. 600 IN TXT "${v}"`));
      expect(txt.sort()).toEqual(want.sort());
      expect(dump).toMatch(
        new RegExp(`SOA\\s+ns1.example.test. hostmaster.example.test. 202611${10 + i}\\d\\d `),
      );
    }
  });

  it("named-checkzone rejects a broken file (the check can fail)", async () => {
    await expect(namedCheckzone(`${START}broken IN TXT "unterminated\n`)).rejects.toThrow();
  });
});
