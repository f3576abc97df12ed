/**
 * Checks that the DNS data is back to its pre-run records: in the repository (what the provider
 * pushed), in bind's zone directory (what the hook deployed) and in bind's answers.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "@httprequest-lego-provider/run-command";
import { servedSerial, servedTxt } from "./dig.js";
import { zoneAtHead } from "./dns-repository.js";
import type { Layout } from "./layout.js";
import type { ToolPaths } from "./system-tools.js";
import { canonicalRecords, describeRecordDifference, parseSoaSerial, zoneFileName } from "./zones.js";

export interface ZoneSnapshot {
  readonly records: readonly string[];
  readonly serial: number;
}

/** Pure: serial of the SOA line in a `named-checkzone -D` dump. */
export function serialFromDump(dump: string): number | undefined {
  const soa = dump.split("\n").find((line) => line.split(/\s+/)[3] === "SOA");
  return soa === undefined ? undefined : parseSoaSerial(soa.split(/\s+/).slice(4).join(" "));
}

/** Records and serial of the zone at the repository's branch tip. */
export async function snapshotZone(tools: ToolPaths, layout: Layout, zone: string): Promise<ZoneSnapshot> {
  const dir = join(layout.root, "zone-check");
  await mkdir(dir, { recursive: true });
  const file = join(dir, zoneFileName(zone));
  await writeFile(file, await zoneAtHead(tools, layout, zone));
  const dump = await run([tools["named-checkzone"], "-D", "-o", "-", zone, file]);
  const serial = serialFromDump(dump.stdout);
  if (serial === undefined) throw new Error(`no SOA serial in ${zoneFileName(zone)} at the repository tip`);
  return { records: canonicalRecords(dump.stdout), serial };
}

export interface RestoreExpectation {
  readonly zone: string;
  /** The records the zone must have (its state before the scenario, or before the run). */
  readonly before: ZoneSnapshot;
  /** For messages: "before the scenario" or "before the run". */
  readonly when: string;
  /** "grown": the zone was written to; "unchanged": it must not have been touched at all. */
  readonly serial: "grown" | "unchanged" | "any";
  /** Names that must have no TXT record any more. */
  readonly challengeNames: readonly string[];
}

/** Throws with what differs; returns the zone's current state. */
export async function checkZoneRestored(
  tools: ToolPaths,
  layout: Layout,
  dnsPort: number,
  expect: RestoreExpectation,
): Promise<ZoneSnapshot> {
  const { zone, before } = expect;
  const file = zoneFileName(zone);
  const now = await snapshotZone(tools, layout, zone);
  const difference = describeRecordDifference(before.records, now.records);
  if (difference !== "") throw new Error(`${file} is not back to its records ${expect.when}: ${difference}`);
  if (expect.serial === "grown" && now.serial <= before.serial) {
    throw new Error(`${file}: SOA serial ${now.serial} did not grow (was ${before.serial})`);
  }
  if (expect.serial === "unchanged" && now.serial !== before.serial) {
    throw new Error(
      `${file} was written (serial ${before.serial} -> ${now.serial}) but should not have been`,
    );
  }
  const deployed = await readFile(join(layout.zonesDir, file), "utf8");
  if (deployed !== (await zoneAtHead(tools, layout, zone))) {
    throw new Error(`bind's copy of ${file} differs from the repository (see log/deploy-hook.log)`);
  }
  const dns = { dig: tools.dig, port: dnsPort };
  const served = await servedSerial(dns, zone);
  if (served !== now.serial)
    throw new Error(`bind serves ${zone} serial ${served}, the repository has ${now.serial}`);
  for (const name of expect.challengeNames) {
    const txt = await servedTxt(dns, name);
    if (txt.length > 0) throw new Error(`bind still answers TXT ${name}: ${txt.join(", ")}`);
  }
  return now;
}
