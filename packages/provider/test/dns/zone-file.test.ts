import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addTxtValue,
  applyTxtChange,
  applyTxtChanges,
  bumpSoaSerial,
  editZone,
  formatSerialDate,
  listTxtValues,
  nextSerial,
  readSoaSerial,
  removeTxtValue,
  serialIsAfter,
  type TxtChange,
  ZoneFileError,
} from "../../src/dns/zone-file.js";

const ZONE = "example.com";
const ONE_LINE = [
  "$TTL 3600",
  "@ IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 3600",
  "@ IN NS ns1.example.com.",
  "ns1 IN A 192.0.2.1",
  "",
].join("\n");
const MULTI_LINE = [
  "; managed by hand; keep comments",
  "$ORIGIN example.com.",
  "$TTL 1h",
  "@\tIN\tSOA\tns1 hostmaster (",
  "\t\t41 ; serial",
  "\t\t7200 ; refresh",
  "\t\t3600 1209600 3600 )",
  "\tIN\tNS\tns1",
  "ns1\tIN\tA\t192.0.2.1",
  '_acme-challenge.www 600 IN TXT "keep-me"',
  "",
].join("\n");

describe("addTxtValue", () => {
  it.each([
    [
      "a relative owner line at the end",
      ONE_LINE,
      "_acme-challenge.example.com",
      '_acme-challenge 600 IN TXT "abc"\n',
    ],
    ["a deeper owner", ONE_LINE, "_acme-challenge.a.b.example.com", '_acme-challenge.a.b 600 IN TXT "abc"\n'],
    [
      "a newline first when the file lacks one",
      "ns1 IN A 192.0.2.1",
      "_acme-challenge.example.com",
      '\n_acme-challenge 600 IN TXT "abc"\n',
    ],
  ])("appends %s", (_what, text, fqdn, appended) => {
    expect(addTxtValue(text, ZONE, fqdn, "abc")).toBe(text + appended);
  });

  it("keeps a second value for the same name (example.com and *.example.com certificates)", () => {
    const one = addTxtValue(ONE_LINE, ZONE, "_acme-challenge.example.com", "first");
    const two = addTxtValue(one, ZONE, "_acme-challenge.example.com", "second");
    expect(listTxtValues(two, ZONE, "_acme-challenge.example.com")).toEqual(["first", "second"]);
  });

  it("is idempotent, also when the existing line was written by hand with other spacing", () => {
    expect(addTxtValue(MULTI_LINE, ZONE, "_acme-challenge.www.example.com", "keep-me")).toBe(MULTI_LINE);
    const handWritten = `${ONE_LINE}_acme-challenge.www.example.com. IN 300 TXT "v1" ; note\n`;
    expect(addTxtValue(handWritten, ZONE, "_acme-challenge.www.example.com", "v1")).toBe(handWritten);
  });

  it("keeps CRLF line endings", () => {
    const crlf = ONE_LINE.replaceAll("\n", "\r\n");
    expect(addTxtValue(crlf, ZONE, "_acme-challenge.example.com", "v")).toBe(
      `${crlf}_acme-challenge 600 IN TXT "v"\r\n`,
    );
  });

  it("writes an absolute owner when $ORIGIN moved away from the zone", () => {
    const text = `${ONE_LINE}$ORIGIN sub.example.com.\nhost IN A 192.0.2.9\n`;
    expect(addTxtValue(text, ZONE, "_acme-challenge.example.com", "v")).toBe(
      `${text}_acme-challenge.example.com. 600 IN TXT "v"\n`,
    );
    // and finds records relative to that origin
    const rel = `${text}_acme-challenge 600 IN TXT "w"\n`;
    expect(listTxtValues(rel, ZONE, "_acme-challenge.sub.example.com")).toEqual(["w"]);
  });

  it.each([
    ["a quote", 'a"b'],
    ["a backslash", "a\\b"],
    ["a semicolon", "a;b"],
    ["a space", "a b"],
    ["a newline", "a\nb"],
    ["nothing", ""],
    ["256 characters", "x".repeat(256)],
  ])("refuses a value with %s", (_what, value) => {
    expect(() => addTxtValue(ONE_LINE, ZONE, "_acme-challenge.example.com", value)).toThrow(ZoneFileError);
  });

  it("refuses a name outside the zone, including one that only shares a string suffix", () => {
    expect(() => addTxtValue(ONE_LINE, ZONE, "_acme-challenge.badexample.com", "v")).toThrow(
      /not inside zone/,
    );
  });
});

describe("removeTxtValue", () => {
  const base = `${ONE_LINE}_acme-challenge 600 IN TXT "a"\nwww IN A 192.0.2.3\n_acme-challenge 600 IN TXT "b"\n`;

  it("removes exactly the posted value", () => {
    expect(removeTxtValue(base, ZONE, "_acme-challenge.example.com", "a")).toBe(
      `${ONE_LINE}www IN A 192.0.2.3\n_acme-challenge 600 IN TXT "b"\n`,
    );
  });

  it("removes every value of the name when no value is given", () => {
    expect(removeTxtValue(base, ZONE, "_acme-challenge.example.com")).toBe(`${ONE_LINE}www IN A 192.0.2.3\n`);
  });

  it("is a no-op for an absent value, another name, or a TXT record of several strings", () => {
    expect(removeTxtValue(base, ZONE, "_acme-challenge.example.com", "zzz")).toBe(base);
    expect(removeTxtValue(base, ZONE, "_acme-challenge.www.example.com")).toBe(base);
    const multi = `${ONE_LINE}_acme-challenge 600 IN TXT "a" "b"\n`;
    expect(removeTxtValue(multi, ZONE, "_acme-challenge.example.com")).toBe(multi);
  });

  it("leaves comments that merely mention the record alone", () => {
    const text = `${ONE_LINE}; _acme-challenge 600 IN TXT "a"\n`;
    expect(removeTxtValue(text, ZONE, "_acme-challenge.example.com", "a")).toBe(text);
  });

  it("removes the last line even without a trailing newline", () => {
    const text = `${ONE_LINE}_acme-challenge 600 IN TXT "a"`;
    expect(removeTxtValue(text, ZONE, "_acme-challenge.example.com", "a")).toBe(ONE_LINE);
  });
});

describe("SOA serial", () => {
  it.each([
    ["date serial from an earlier day moves to today 00", "2024010101", "20261125", "2026112500"],
    ["date serial of today counts up", "2026112500", "20261125", "2026112501"],
    ["date serial already ahead of today counts up", "2030010105", "20261125", "2030010106"],
    ["date serial at 99 rolls into the next day's form", "2026112599", "20261125", "2026112600"],
    ["plain counter", "41", "20261125", "42"],
    ["zero-padded counter keeps its width", "0009", "20261125", "0010"],
    ["wraps at 2^32 (RFC 1982)", "4294967295", "20261125", "0"],
    ["ten digits that are not a date count up", "4294967290", "20261125", "4294967291"],
    ["invalid day 20240230 counts up", "2024023001", "20261125", "2024023002"],
  ])("%s", (_what, current, today, expected) => {
    expect(nextSerial(current, today)).toBe(expected);
  });

  it("treats the wrapped serial as newer in RFC 1982 arithmetic", () => {
    expect(serialIsAfter(4294967295, 0)).toBe(true);
    expect(serialIsAfter(0, 4294967295)).toBe(false);
    expect(serialIsAfter(41, 42)).toBe(true);
  });

  it("refuses serials that are not 32-bit numbers", () => {
    expect(() => nextSerial("4294967296", "20261125")).toThrow(ZoneFileError);
    expect(() => nextSerial("12ab", "20261125")).toThrow(ZoneFileError);
  });

  it("bumps the serial of a one-line SOA and changes nothing else", () => {
    expect(bumpSoaSerial(ONE_LINE, ZONE, "20261125")).toBe(ONE_LINE.replace("2024010101", "2026112500"));
  });

  it("bumps the serial of a parenthesised multi-line SOA, keeping its comment", () => {
    const out = bumpSoaSerial(MULTI_LINE, ZONE, "20261125");
    expect(out).toBe(MULTI_LINE.replace("\t\t41 ; serial", "\t\t42 ; serial"));
    expect(readSoaSerial(out, ZONE)).toBe("42");
  });

  it("finds the serial when the opening parenthesis is right after the SOA keyword", () => {
    const text = "@ 3600 IN SOA (ns1.example.com. hostmaster.example.com.\n 7 1 1 1 1)\n";
    expect(bumpSoaSerial(text, ZONE, "20261125")).toBe(text.replace(" 7 ", " 8 "));
  });

  it("leaves a zone without SOA untouched", () => {
    const text = "www IN A 192.0.2.1\n";
    expect(bumpSoaSerial(text, ZONE, "20261125")).toBe(text);
  });

  it("formats today's date in UTC", () => {
    expect(formatSerialDate(new Date("2026-11-25T23:59:59Z"))).toBe("20261125");
    expect(formatSerialDate(new Date("2027-01-02T00:00:00Z"))).toBe("20270102");
  });
});

describe("applyTxtChange", () => {
  it("reports whether the text changed", () => {
    const added = applyTxtChange(ONE_LINE, ZONE, {
      kind: "present",
      fqdn: "_acme-challenge.example.com",
      value: "v",
    });
    expect(added.changed).toBe(true);
    expect(
      applyTxtChange(added.text, ZONE, { kind: "present", fqdn: "_acme-challenge.example.com", value: "v" })
        .changed,
    ).toBe(false);
    const removed = applyTxtChange(added.text, ZONE, {
      kind: "cleanup",
      fqdn: "_acme-challenge.example.com",
      value: undefined,
    });
    expect(removed).toEqual({ text: ONE_LINE, changed: true });
  });

  it("editZone leaves the file alone (no serial bump) when a batch's changes cancel out", () => {
    const last = `${ONE_LINE}_acme-challenge 600 IN TXT "tok"\n`;
    const batch: TxtChange[] = [
      { kind: "cleanup", fqdn: `_acme-challenge.${ZONE}`, value: "tok" },
      { kind: "present", fqdn: `_acme-challenge.${ZONE}`, value: "tok" },
    ];
    expect(editZone(last, ZONE, batch, "20261125")).toEqual({ text: last, changed: [true, true] });
    const fresh: TxtChange[] = [
      { kind: "present", fqdn: `_acme-challenge.${ZONE}`, value: "new" },
      { kind: "cleanup", fqdn: `_acme-challenge.${ZONE}`, value: "new" },
    ];
    expect(editZone(ONE_LINE, ZONE, fresh, "20261125")).toEqual({ text: ONE_LINE, changed: [true, true] });
  });
});

// ---- property tests ----

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const value = fc.stringMatching(/^[A-Za-z0-9_-]{1,43}$/);
const owner = fc
  .array(label, { minLength: 0, maxLength: 3 })
  .map((ls) => ["_acme-challenge", ...ls].join("."));
const unrelatedLine = fc.oneof(
  fc.constant("; a comment"),
  fc.constant(""),
  label.map((l) => `${l} IN A 192.0.2.7`),
  label.map((l) => `${l}\t300\tIN\tCNAME\tother.example.net.`),
  fc.tuple(label, value).map(([l, v]) => `${l} 600 IN TXT "${v}"`),
  fc.tuple(owner, value).map(([o, v]) => `${o} 600 IN TXT "${v}" "second"`),
  fc.constant("  IN MX 10 mail.example.com. ; blank owner continues the previous name"),
);
const zoneText = fc
  .tuple(fc.constantFrom(ONE_LINE, MULTI_LINE), fc.array(unrelatedLine, { maxLength: 12 }))
  .map(([head, lines]) => head + lines.map((l) => `${l}\n`).join(""));

describe("properties", () => {
  it("adding then removing a new value gives back the original text", () => {
    fc.assert(
      fc.property(zoneText, owner, value, (text, o, v) => {
        const fqdn = `${o}.${ZONE}`;
        fc.pre(!listTxtValues(text, ZONE, fqdn).includes(v));
        const added = addTxtValue(text, ZONE, fqdn, v);
        expect(listTxtValues(added, ZONE, fqdn)).toContain(v);
        expect(removeTxtValue(added, ZONE, fqdn, v)).toBe(text);
      }),
    );
  });

  it("adding and removing are idempotent", () => {
    fc.assert(
      fc.property(zoneText, owner, value, (text, o, v) => {
        const fqdn = `${o}.${ZONE}`;
        const once = addTxtValue(text, ZONE, fqdn, v);
        expect(addTxtValue(once, ZONE, fqdn, v)).toBe(once);
        const gone = removeTxtValue(once, ZONE, fqdn, v);
        expect(removeTxtValue(gone, ZONE, fqdn, v)).toBe(gone);
        expect(listTxtValues(gone, ZONE, fqdn)).not.toContain(v);
      }),
    );
  });

  it("never changes a line that is not a TXT line of the edited name", () => {
    fc.assert(
      fc.property(zoneText, owner, fc.array(value, { maxLength: 4 }), (text, o, vs) => {
        const fqdn = `${o}.${ZONE}`;
        let edited = text;
        for (const v of vs) edited = addTxtValue(edited, ZONE, fqdn, v);
        edited = removeTxtValue(edited, ZONE, fqdn);
        const isOurs = (line: string): boolean =>
          new RegExp(
            `^${o.replaceAll(".", "\\.")}(\\.${ZONE.replaceAll(".", "\\.")}\\.)? .*TXT "[^"]*"$`,
          ).test(line);
        expect(edited.split("\n").filter((l) => !isOurs(l))).toEqual(
          text.split("\n").filter((l) => !isOurs(l)),
        );
      }),
    );
  });

  it("a serial bump changes only the serial, to a value after the old one", () => {
    fc.assert(
      fc.property(
        zoneText,
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }),
        (text, serial, day) => {
          const template = text.replace(/2024010101|\t\t41 /, (m) =>
            m.startsWith("\t") ? "\t\tSERIAL " : "SERIAL",
          );
          const withSerial = template.replace("SERIAL", `${serial}`);
          const before = readSoaSerial(withSerial, ZONE) as string;
          const after = bumpSoaSerial(withSerial, ZONE, formatSerialDate(day));
          const now = readSoaSerial(after, ZONE) as string;
          expect(serialIsAfter(Number(before), Number(now))).toBe(true);
          expect(after).toBe(template.replace("SERIAL", now));
        },
      ),
    );
  });

  it("a batch applied in one pass equals the changes applied one by one", () => {
    // Few owners and values, so changes collide with each other and with records already there.
    const few = fc.constantFrom("_acme-challenge", "_acme-challenge.www");
    // Fresh values are in no record: those batches take the path that does not parse the zone.
    const val = fc.constantFrom("a", "b", "c", "fresh-token-1", "fresh-token-2");
    const changeArb: fc.Arbitrary<TxtChange> = fc.oneof(
      fc.tuple(few, val).map(([o, v]) => ({ kind: "present" as const, fqdn: `${o}.${ZONE}`, value: v })),
      fc
        .tuple(few, fc.option(val, { nil: undefined }))
        .map(([o, v]) => ({ kind: "cleanup" as const, fqdn: `${o}.${ZONE}`, value: v })),
    );
    const origin = fc.constantFrom("", "$ORIGIN sub.example.com.\n", "; not a $ORIGIN\n");
    const seeded = fc
      .tuple(zoneText, origin, fc.array(fc.tuple(few, val), { maxLength: 4 }))
      .map(([t, o, recs]) => t + o + recs.map(([ow, v]) => `${ow} 600 IN TXT "${v}"\n`).join(""));
    fc.assert(
      fc.property(seeded, fc.array(changeArb, { maxLength: 15 }), (text, changes) => {
        let one = text;
        const flags: boolean[] = [];
        for (const c of changes) {
          const r = applyTxtChange(one, ZONE, c);
          one = r.text;
          flags.push(r.changed);
        }
        expect(applyTxtChanges(text, ZONE, changes)).toEqual({ text: one, changed: flags });
        // The store's one-step edit: the same changes, plus a serial bump when anything changed.
        const bumped = one === text ? text : bumpSoaSerial(one, ZONE, "20261125");
        expect(editZone(text, ZONE, changes, "20261125")).toEqual({ text: bumped, changed: flags });
      }),
      { numRuns: 300 },
    );
  });
});
