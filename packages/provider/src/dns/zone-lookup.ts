/**
 * Which zone file serves a name: the longest `<zone>.domain` at the repository root whose zone is
 * the name itself or a suffix of it at a label boundary. Unlike "the last two labels", this
 * serves `_acme-challenge.www.example.co.uk` from `example.co.uk.domain`.
 */

export const ZONE_FILE_SUFFIX = ".domain";

export interface ZoneMatch {
  /** Zone apex, lowercase, no trailing dot. */
  readonly zone: string;
  /** File name at the repository root, as spelled in the repository. */
  readonly fileName: string;
  /** Owner relative to the zone (`@` for the apex). */
  readonly owner: string;
}

/** Maps zone → file name for every `*.domain` name in `fileNames` (other names are ignored). */
export function zonesFromFileNames(fileNames: Iterable<string>): Map<string, string> {
  const zones = new Map<string, string>();
  for (const name of fileNames) {
    if (!name.toLowerCase().endsWith(ZONE_FILE_SUFFIX) || name.length === ZONE_FILE_SUFFIX.length) continue;
    const zone = name.slice(0, -ZONE_FILE_SUFFIX.length).toLowerCase().replace(/\.$/, "");
    if (zone === "" || zone.startsWith(".") || zone.includes("..")) continue;
    // Two spellings of one zone (Example.com.domain, example.com.domain): keep the first sorted one
    // so the choice does not depend on directory order.
    const existing = zones.get(zone);
    if (existing === undefined || name < existing) zones.set(zone, name);
  }
  return zones;
}

/** The zone serving `fqdn` (lowercase, no trailing dot), or undefined when none does. */
export function findZone(fqdn: string, zones: ReadonlyMap<string, string>): ZoneMatch | undefined {
  const name = fqdn.toLowerCase().replace(/\.$/, "");
  let candidate = name;
  for (;;) {
    const fileName = zones.get(candidate);
    if (fileName !== undefined) {
      const owner = candidate === name ? "@" : name.slice(0, name.length - candidate.length - 1);
      return { zone: candidate, fileName, owner };
    }
    const dot = candidate.indexOf(".");
    if (dot < 0) return undefined;
    candidate = candidate.slice(dot + 1);
  }
}
