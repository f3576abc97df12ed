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

/** A top-level entry of the repository's tree, as `git ls-tree` or a tree object lists it. */
export interface RepositoryEntry {
  /** `100644`, `100755`, `120000` (symbolic link), `40000` (directory), `160000` (submodule). */
  readonly mode: string;
  readonly name: string;
}

export interface ZoneFiles {
  /** Zone → file name, for every entry named like a zone file, usable or not. */
  readonly zones: Map<string, string>;
  /**
   * File name → what is wrong with it, for entries named like a zone file that are not regular
   * files. Such an entry is never read or written (a link could point outside the clone); a
   * change to its zone fails with this reason and other zones are unaffected.
   */
  readonly unusable: Map<string, string>;
}

/** Why an entry of this mode cannot be a zone file, or undefined for a regular file. */
export function unusableZoneReason(mode: string): string | undefined {
  switch (mode) {
    case "100644":
    case "100755":
      return undefined;
    case "120000":
      return "it is a symbolic link; zone files must be regular files";
    case "40000":
    case "040000":
      return "it is a directory; zone files must be regular files";
    case "160000":
      return "it is a submodule; zone files must be regular files";
    default:
      return `it has the unexpected mode ${mode}; zone files must be regular files`;
  }
}

/** Zone files of a repository tree: only regular files are zones (see ZoneFiles.unusable). */
export function zoneFilesFromTree(entries: Iterable<RepositoryEntry>): ZoneFiles {
  const list = [...entries];
  const zones = zonesFromFileNames(list.map((e) => e.name));
  const chosen = new Set(zones.values());
  const unusable = new Map<string, string>();
  for (const e of list) {
    if (!chosen.has(e.name)) continue;
    const reason = unusableZoneReason(e.mode);
    if (reason !== undefined) unusable.set(e.name, reason);
  }
  return { zones, unusable };
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
