/** Queries to the local authoritative server with dig (no recursion, one short try). */
import { run } from "@httprequest-lego-provider/run-command";
import { parseSoaSerial, parseTxtAnswers } from "./zones.js";

export interface DnsTarget {
  readonly dig: string;
  readonly port: number;
}

async function digShort(target: DnsTarget, name: string, type: "SOA" | "TXT"): Promise<string> {
  const result = await run(
    [
      target.dig,
      "@127.0.0.1",
      "-p",
      String(target.port),
      "+norecurse",
      "+time=1",
      "+tries=1",
      "+short",
      name,
      type,
    ],
    { timeoutMs: 5_000 },
  );
  return result.stdout;
}

/** Serial the server answers for a zone, or undefined while the zone is not loaded. */
export async function servedSerial(target: DnsTarget, zone: string): Promise<number | undefined> {
  return parseSoaSerial(await digShort(target, zone, "SOA"));
}

export async function servedTxt(target: DnsTarget, name: string): Promise<string[]> {
  return parseTxtAnswers(await digShort(target, name, "TXT"));
}
