/**
 * Parsing of Debian control data (the `apt-cache show` / Packages format).
 * See https://www.debian.org/doc/debian-policy/ch-controlfields.html and ch-relationships.html.
 */

/** One package stanza: field name (case as written) to value, continuation lines joined by "\n". */
export type Stanza = Readonly<Record<string, string>>;

/** One alternative inside a dependency group, e.g. `debconf (>= 0.5)` or `perl:any`. */
export interface Alternative {
  readonly name: string;
  /** Architecture qualifier such as `any` (from `perl:any`); empty when absent. */
  readonly archQualifier: string;
}

/** A dependency is satisfied by any one of its alternatives (`a | b`). */
export type DependencyGroup = readonly Alternative[];

export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Record<string, string> = {};
  let lastKey: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (Object.keys(current).length > 0) stanzas.push(current);
      current = {};
      lastKey = undefined;
      continue;
    }
    if ((line.startsWith(" ") || line.startsWith("\t")) && lastKey !== undefined) {
      current[lastKey] = `${current[lastKey] ?? ""}\n${line.slice(1)}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    lastKey = line.slice(0, colon);
    current[lastKey] = line.slice(colon + 1).trim();
  }
  if (Object.keys(current).length > 0) stanzas.push(current);
  return stanzas;
}

/** Parses a `Depends`/`Pre-Depends` value; version constraints are dropped (apt already chose versions). */
export function parseDependencies(value: string | undefined): DependencyGroup[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((group) =>
    group.split("|").map((alternative): Alternative => {
      const token = alternative.trim().split(/[\s(]/, 1)[0] ?? "";
      const [name = "", archQualifier = ""] = token.split(":");
      return { name, archQualifier };
    }),
  );
}
