import { describe, expect, it } from "vitest";
import { serialFromDump } from "../src/zone-state.js";
import {
  canonicalRecords,
  describeRecordDifference,
  parseLoadedSerial,
  parseSoaSerial,
  parseTxtAnswers,
  renderZone,
} from "../src/zones.js";

const DUMP = `example.test.\t\t\t60 IN SOA\tns1.example.test. hostmaster.example.test. 2026112503 60 60 600 60
example.test.\t\t\t60 IN NS\tns1.example.test.
_acme-challenge.example.test.\t600 IN TXT\t"abc"
ns1.example.test.\t\t60 IN A\t127.0.0.1
OK`;

describe("zone helpers", () => {
  it("renders a zone with SOA, NS and the serial it is given", () => {
    const text = renderZone("example.co.test", 7);
    expect(text).toContain("@ IN SOA ns1.example.co.test. hostmaster.example.co.test. ( 7 ; serial");
    expect(text).toContain("@ IN NS ns1.example.co.test.");
  });

  it("reads serials from named-checkzone, dig and dump output", () => {
    expect(parseLoadedSerial("zone example.test/IN: loaded serial 2026112501\nOK\n")).toBe(2026112501);
    expect(parseLoadedSerial("dns_master_load: unexpected end of input")).toBeUndefined();
    expect(parseSoaSerial("ns1.example.test. hostmaster.example.test. 2026112500 60 60 600 60\n")).toBe(
      2026112500,
    );
    expect(parseSoaSerial("")).toBeUndefined();
    expect(parseSoaSerial(";; connection timed out; no servers could be reached\n")).toBeUndefined();
    expect(serialFromDump(DUMP)).toBe(2026112503);
  });

  it("reads TXT answers, joining the strings of one record", () => {
    expect(parseTxtAnswers('"abc"\n"de" "f"\n')).toEqual(["abc", "def"]);
    expect(parseTxtAnswers("")).toEqual([]);
  });

  it("compares records ignoring the serial and the layout", () => {
    const before = canonicalRecords(DUMP.replace('_acme-challenge.example.test.\t600 IN TXT\t"abc"\n', ""));
    const after = canonicalRecords(DUMP.replace("2026112503", "2026112509"));
    expect(before).toHaveLength(3);
    expect(describeRecordDifference(before, after)).toBe(
      'unexpected: _acme-challenge.example.test. 600 IN TXT "abc"',
    );
    expect(describeRecordDifference(after, before)).toBe(
      'missing: _acme-challenge.example.test. 600 IN TXT "abc"',
    );
    expect(canonicalRecords(DUMP.replace(/\t+/g, "   "))).toEqual(after.map((r) => r));
  });
});
