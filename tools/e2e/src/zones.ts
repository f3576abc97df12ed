/** The test zones and pure helpers to compare their records (no I/O here). */

export const ZONES = ["example.test", "example.co.test"] as const;
export type Zone = (typeof ZONES)[number];

export const INITIAL_SERIAL = 2026112500;

/** File name of a zone in the DNS repository (the provider's convention: `<zone>.domain`). */
export function zoneFileName(zone: string): string {
  return `${zone}.domain`;
}

/** A small zone with SOA and NS (as in production) and one ordinary record to keep untouched. */
export function renderZone(zone: string, serial: number = INITIAL_SERIAL): string {
  return [
    "$TTL 60",
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. ( ${serial} ; serial`,
    "      60 60 600 60 )",
    `@ IN NS ns1.${zone}.`,
    "ns1 IN A 127.0.0.1",
    "@ IN A 127.0.0.1",
    "; records below this line are written by the service",
    "",
  ].join("\n");
}

/** Serial from named-checkzone's "zone example.test/IN: loaded serial 2026112501". */
export function parseLoadedSerial(checkzoneOutput: string): number | undefined {
  const match = /loaded serial (\d+)/.exec(checkzoneOutput);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Serial from `dig +short SOA` ("ns1.x. hostmaster.x. 2026112500 60 60 600 60"). */
export function parseSoaSerial(digShort: string): number | undefined {
  const line = digShort
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith(";"));
  const serial = line?.split(/\s+/)[2];
  return serial !== undefined && /^\d+$/.test(serial) ? Number(serial) : undefined;
}

/** TXT strings from `dig +short TXT` (one quoted string per line; multi-string records joined). */
export function parseTxtAnswers(digShort: string): string[] {
  return digShort
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith('"'))
    .map((l) => [...l.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? "").join(""));
}

/**
 * Records of a zone as a sorted list of canonical lines, from `named-checkzone -D -o -` output
 * (one record per line, absolute names), with the SOA serial replaced by "SERIAL": the serial is
 * supposed to change; every other record must come back exactly.
 */
export function canonicalRecords(dump: string): string[] {
  return (
    dump
      .split("\n")
      .map((line) => line.trim())
      .map((line) => line.split(/\s+/))
      // Record lines are "<name> <ttl> IN <type> <data...>"; skip the "loaded serial"/"OK" chatter.
      .filter((fields) => fields.length >= 5 && fields[2] === "IN")
      .map((fields) => {
        if (fields[3] === "SOA" && fields.length >= 7) fields[6] = "SERIAL";
        return fields.join(" ");
      })
      .sort()
  );
}

/** Human-readable difference of two record lists ("" when equal). */
export function describeRecordDifference(expected: readonly string[], actual: readonly string[]): string {
  const missing = expected.filter((r) => !actual.includes(r));
  const extra = actual.filter((r) => !expected.includes(r));
  const parts = [...missing.map((r) => `missing: ${r}`), ...extra.map((r) => `unexpected: ${r}`)];
  return parts.join("; ");
}
