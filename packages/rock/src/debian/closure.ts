import { parseDependencies, type Stanza } from "./control.js";

/** Why a package was kept out of the image even though something depends on it. */
export type DropReason = string;

export interface ClosureInput {
  /** Packages the image needs directly. */
  readonly roots: readonly string[];
  /** Packages never included, each with the reason (usually: only used by maintainer scripts). */
  readonly drop: ReadonlyMap<string, DropReason>;
  /** Candidate stanzas known so far, by package name (one version each, as apt-cache picked it). */
  readonly known: ReadonlyMap<string, Stanza>;
}

export interface SelectedPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** `Installed-Size` in KiB as the archive states it. */
  readonly installedSizeKiB: number;
}

export type ClosureResult =
  | { readonly complete: true; readonly packages: readonly SelectedPackage[] }
  /** Stanzas of these names are needed before the closure can be computed. */
  | { readonly complete: false; readonly missing: readonly string[] };

export class PackageNotFoundError extends Error {
  override readonly name = "PackageNotFoundError";
  constructor(readonly packageName: string) {
    super(
      `Debian package ${packageName} is not in the apt indexes. Run \`apt-get update\` (the base is built ` +
        "from the host's Debian 12 sources).",
    );
  }
}

export class UnsatisfiableDependencyError extends Error {
  override readonly name = "UnsatisfiableDependencyError";
  constructor(
    readonly packageName: string,
    readonly group: string,
  ) {
    super(
      `Debian package ${packageName} depends on "${group}", which no available package provides. ` +
        "Run `apt-get update`, or add the dependency to the drop list in src/debian/base-packages.ts with a reason.",
    );
  }
}

/**
 * Computes the Depends + Pre-Depends closure of the roots, like `apt-get install --no-install-recommends`
 * into an empty system, except that packages in `drop` are never entered (the chisel idea: ship what runs,
 * not what installs). Pure: when stanzas are missing it says which ones, and the caller looks them up and
 * calls again. For an alternative group the first dropped, already selected or known alternative wins.
 */
export function resolveClosure(input: ClosureInput, unknown: ReadonlySet<string> = new Set()): ClosureResult {
  const selected = new Map<string, Stanza>();
  const missing = new Set<string>();
  const queue = [...input.roots];
  for (const root of input.roots) {
    if (input.drop.has(root)) throw new Error(`root package ${root} is also in the drop list`);
  }
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (selected.has(name) || input.drop.has(name)) continue;
    const stanza = input.known.get(name);
    if (stanza === undefined) {
      if (unknown.has(name)) throw new PackageNotFoundError(name);
      missing.add(name);
      continue;
    }
    selected.set(name, stanza);
    const groups = [...parseDependencies(stanza["Pre-Depends"]), ...parseDependencies(stanza.Depends)];
    for (const group of groups) {
      const names = group.map((alternative) => alternative.name);
      if (names.some((n) => input.drop.has(n) || selected.has(n))) continue;
      const available = names.find((n) => input.known.has(n));
      if (available !== undefined) {
        queue.push(available);
        continue;
      }
      const notYetLookedUp = names.filter((n) => !unknown.has(n));
      if (notYetLookedUp.length > 0) {
        for (const n of notYetLookedUp) missing.add(n);
        continue;
      }
      throw new UnsatisfiableDependencyError(name, names.join(" | "));
    }
  }
  if (missing.size > 0) return { complete: false, missing: [...missing].sort() };
  const packages = [...selected.values()]
    .map(
      (stanza): SelectedPackage => ({
        name: stanza.Package ?? "",
        version: stanza.Version ?? "",
        architecture: stanza.Architecture ?? "",
        installedSizeKiB: Number(stanza["Installed-Size"] ?? "0"),
      }),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { complete: true, packages };
}
