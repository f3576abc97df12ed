/**
 * Synthetic DNS repositories with a realistic history: one zone file per zone, then one small
 * commit per record change, round-robin over the zones, written with `git fast-import` so that
 * 100,000 commits take seconds.
 */
import { mkdir } from "node:fs/promises";
import { output } from "@httprequest-lego-provider/run-command";
import { gitEnv, run } from "./exec.js";

export const BENCH_PARENT = "bench.test";
export const ZONE_COUNT = 20;
export const zones: readonly string[] = Array.from(
  { length: ZONE_COUNT },
  (_, i) => `zone${i.toString().padStart(2, "0")}.${BENCH_PARENT}`,
);
/** Records kept per zone while history is generated (older ones are removed again). */
const WINDOW = 8;

function zoneFile(zone: string, serial: number, records: readonly string[]): string {
  return [
    "$TTL 3600",
    `@\tIN\tSOA\tns1.${zone}. hostmaster.${zone}. (`,
    `\t\t${serial} ; serial`,
    "\t\t3600 600 604800 600 )",
    `\tIN\tNS\tns1.${zone}.`,
    "ns1\tIN\tA\t192.0.2.1",
    ...records,
    "",
  ].join("\n");
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

/** Creates a bare repository at `path` with `commits` commits on main, one file per zone. */
export async function buildRepository(
  path: string,
  commits: number,
  onProgress: (done: number) => void,
  zoneNames: readonly string[] = zones,
): Promise<void> {
  await mkdir(path, { recursive: true });
  const env = gitEnv();
  await run(["git", "init", "--quiet", "--bare", "--initial-branch", "main", path], { env });
  await output(["git", "fast-import", "--quiet", "--done"], {
    cwd: path,
    env,
    input: fastImport(commits, onProgress, zoneNames),
  });
  onProgress(commits);
}

/** The fast-import stream of `buildRepository`, produced as git reads it. */
async function* fastImport(
  commits: number,
  onProgress: (done: number) => void,
  zoneNames: readonly string[],
): AsyncGenerator<string> {
  const records = zoneNames.map(() => [] as string[]);
  const serials = zoneNames.map(() => 1);
  const t0 = 1_700_000_000;
  let header = "commit refs/heads/main\nmark :1\n";
  header += `committer bench <bench@localhost> ${t0} +0000\n${data("Zone files")}`;
  for (const [i, zone] of zoneNames.entries())
    header += `M 100644 inline ${zone}.domain\n${data(zoneFile(zone, serials[i] as number, []))}`;
  yield `${header}\n`;
  for (let n = 2; n <= commits; n += 1) {
    const z = n % zoneNames.length;
    const zone = zoneNames[z] as string;
    const list = records[z] as string[];
    const line = `_acme-challenge.h${n} 600 IN TXT "${(n * 2654435761).toString(16).padStart(12, "0")}"`;
    let message: string;
    // Fill each zone up to WINDOW records, then alternate removing the oldest and adding one,
    // so files stay small however long the history is.
    if (list.length >= WINDOW) {
      list.shift();
      message = `Remove oldest challenge record of ${zone}`;
    } else {
      list.push(line);
      message = `Add _acme-challenge.h${n}.${zone} record`;
    }
    serials[z] = (serials[z] as number) + 1;
    let chunk = `commit refs/heads/main\nmark :${n}\ncommitter bench <bench@localhost> ${t0 + n} +0000\n${data(message)}from :${n - 1}\n`;
    chunk += `M 100644 inline ${zone}.domain\n${data(zoneFile(zone, serials[z] as number, list))}\n`;
    yield chunk;
    if (n % 10_000 === 0) onProgress(n);
  }
  yield "done\n";
}
