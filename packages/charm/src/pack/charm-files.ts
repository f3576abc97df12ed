import { parse, stringify } from "yaml";

/** Top-level keys of a unified charmcraft.yaml that charmcraft accepts for a platforms-based charm. */
export const CHARMCRAFT_KEYS = [
  "name",
  "type",
  "title",
  "summary",
  "description",
  "links",
  "license",
  "base",
  "build-base",
  "platforms",
  "parts",
  "assumes",
  "containers",
  "resources",
  "devices",
  "extra-bindings",
  "peers",
  "provides",
  "requires",
  "storage",
  "subordinate",
  "terms",
  "config",
  "actions",
  "charm-user",
  "charm-libs",
  "charmhub",
  "analysis",
] as const;

/** Keys charmcraft copies into metadata.yaml (title becomes display-name). */
const METADATA_KEYS = [
  "name",
  "summary",
  "description",
  "assumes",
  "containers",
  "resources",
  "devices",
  "extra-bindings",
  "peers",
  "provides",
  "requires",
  "storage",
  "subordinate",
  "terms",
  "charm-user",
] as const;

export class CharmcraftYamlError extends Error {
  override readonly name = "CharmcraftYamlError";
}

export type CharmcraftYaml = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses charmcraft.yaml and checks what charmcraft would refuse: unknown keys, missing ones. */
export function parseCharmcraftYaml(text: string): CharmcraftYaml {
  const doc = parse(text) as unknown;
  if (!isRecord(doc)) throw new CharmcraftYamlError("charmcraft.yaml is not a mapping");
  const unknown = Object.keys(doc).filter((k) => !(CHARMCRAFT_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new CharmcraftYamlError(
      `charmcraft.yaml has keys charmcraft does not accept: ${unknown.join(", ")}`,
    );
  for (const key of ["name", "type", "summary", "description", "base", "platforms", "parts"]) {
    if (doc[key] === undefined) throw new CharmcraftYamlError(`charmcraft.yaml lacks "${key}"`);
  }
  if (doc.type !== "charm") throw new CharmcraftYamlError('charmcraft.yaml "type" must be "charm"');
  if (typeof doc.base !== "string" || !/^ubuntu@\d{2}\.\d{2}$/.test(doc.base)) {
    throw new CharmcraftYamlError('charmcraft.yaml "base" must look like ubuntu@24.04');
  }
  return doc;
}

export interface CharmFiles {
  "metadata.yaml": string;
  "config.yaml"?: string;
  "actions.yaml"?: string;
  "manifest.yaml": string;
}

/** Who packed the charm: this package's packer, by its package name and version. */
export interface Packer {
  readonly name: string;
  readonly version: string;
}

/**
 * The files charmcraft generates from charmcraft.yaml into the packed charm. manifest.yaml names
 * our packer, not charmcraft: Juju reads only its `bases` (juju/charm manifest.go, ReadManifest).
 */
export function charmFiles(
  doc: CharmcraftYaml,
  platform: string,
  packer: Packer,
  packedAt: string,
): CharmFiles {
  const metadata: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) if (doc[key] !== undefined) metadata[key] = doc[key];
  if (doc.title !== undefined) metadata["display-name"] = doc.title;
  if (isRecord(doc.links)) {
    const links = doc.links;
    if (Array.isArray(links.source)) metadata.source = links.source;
    if (Array.isArray(links.issues)) metadata.issues = links.issues;
  }
  const [, channel] = String(doc.base).split("@");
  const manifest = {
    "packed-by": { name: packer.name, version: packer.version },
    "packed-at": packedAt,
    bases: [{ name: "ubuntu", channel, architectures: [platform] }],
    analysis: {
      attributes: [
        { name: "language", result: "unknown" },
        { name: "framework", result: "unknown" },
      ],
    },
  };
  const files: CharmFiles = { "metadata.yaml": stringify(metadata), "manifest.yaml": stringify(manifest) };
  if (isRecord(doc.config)) files["config.yaml"] = stringify(doc.config);
  if (isRecord(doc.actions)) files["actions.yaml"] = stringify(doc.actions);
  return files;
}

/** The `dispatch` script: its last line's last word is the entry point (charmcraft's linter rule). */
export const DISPATCH_SCRIPT = `#!/bin/sh
# Juju runs this for every hook and action; JUJU_DISPATCH_PATH names which.
# The dispatcher is plain JavaScript on the Node runtime shipped in this charm.
cd "$(dirname "$0")" || exit 1
export JUJU_DISPATCH_PATH="\${JUJU_DISPATCH_PATH:-$0}"
exec ./node/bin/node ./dist/dispatch.mjs
`;

export const ENTRY_POINT = "dist/dispatch.mjs";
