/**
 * CycloneDX 1.5 JSON documents for the rock and the charm (decision 0321). Pure: the same contents
 * give the same bytes, serial number included, so a rebuild does not change the SBOM.
 */
import { createHash } from "node:crypto";
import type { ImageContents, NpmPackage } from "./image-contents.js";
import { debPurl, nodePurl, npmPurl } from "./purl.js";

export const SBOM_SUFFIX = ".cdx.json";

export interface CdxComponent {
  readonly type: "application" | "library" | "platform" | "operating-system" | "container";
  readonly "bom-ref"?: string;
  readonly name: string;
  readonly version: string;
  readonly purl?: string;
  readonly cpe?: string;
  readonly licenses?: readonly { readonly expression: string }[];
  readonly properties?: readonly { readonly name: string; readonly value: string }[];
}

export interface CdxBom {
  readonly $schema: string;
  readonly bomFormat: "CycloneDX";
  readonly specVersion: "1.5";
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly tools: { readonly components: readonly CdxComponent[] };
    readonly component: CdxComponent;
  };
  readonly components: readonly CdxComponent[];
}

export interface Tool {
  readonly name: string;
  readonly version: string;
}

/** A package.json `license` that reads as an SPDX expression (not "SEE LICENSE IN ..."). */
function spdxLicense(license: string | undefined): CdxComponent["licenses"] {
  if (!license || !/^[A-Za-z0-9.+\-() ]+$/.test(license) || /^SEE\b/i.test(license)) return undefined;
  return [{ expression: license }];
}

function npmComponent(p: NpmPackage): CdxComponent {
  const purl = npmPurl(p.name, p.version);
  const licenses = spdxLicense(p.license);
  return {
    type: "library",
    "bom-ref": purl,
    name: p.name,
    version: p.version,
    purl,
    ...(licenses ? { licenses } : {}),
  };
}

/** Node as vulnerability databases know it (CPE nodejs:node.js), and where the binary came from. */
function nodeComponent(version: string, npmPackage: string): CdxComponent {
  const purl = nodePurl(version, npmPackage);
  return {
    type: "platform",
    "bom-ref": purl,
    name: "node",
    version,
    purl,
    cpe: `cpe:2.3:a:nodejs:node.js:${version}:*:*:*:*:*:*:*`,
    properties: [{ name: "httprequest-lego-provider:source", value: `npm ${npmPackage}@${version}` }],
  };
}

function serialNumber(seed: unknown): string {
  const hex = createHash("sha256").update(JSON.stringify(seed)).digest("hex");
  // RFC 4122 layout with the name-based version nibble (5) and variant bits.
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function bom(timestamp: string, tool: Tool, subject: CdxComponent, components: CdxComponent[]): CdxBom {
  const unique = [...new Map(components.map((c) => [c["bom-ref"] ?? c.name, c])).values()];
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.5.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: serialNumber({ subject, unique }),
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: "application", name: tool.name, version: tool.version }] },
      component: subject,
    },
    components: unique,
  };
}

/** The rock: its Debian release and packages, the Node runtime, the app's npm packages. */
export function rockSbom(contents: ImageContents, manifestDigest: string, tool: Tool): CdxBom {
  const [osName = "debian", osVersion = ""] = contents.distro.split("-");
  const subject: CdxComponent = {
    type: "container",
    "bom-ref": "rock",
    name: contents.image.name,
    version: contents.image.version,
    purl: `pkg:oci/${contents.image.name}@${encodeURIComponent(manifestDigest)}?tag=${encodeURIComponent(contents.image.version)}`,
  };
  return bom(contents.image.created, tool, subject, [
    { type: "operating-system", "bom-ref": contents.distro, name: osName, version: osVersion },
    ...contents.debian.map((p): CdxComponent => {
      const purl = debPurl(p, contents.distro);
      return { type: "library", "bom-ref": purl, name: p.name, version: p.version, purl };
    }),
    nodeComponent(contents.node.version, contents.node.npmPackage),
    {
      type: "application",
      "bom-ref": npmPurl(contents.app.name, contents.app.version),
      name: contents.app.name,
      version: contents.app.version,
      purl: npmPurl(contents.app.name, contents.app.version),
    },
    ...contents.app.npm.map(npmComponent),
  ]);
}

export interface CharmContents {
  readonly name: string;
  readonly version: string;
  readonly node: { readonly version: string; readonly npmPackage: string };
  /** Production dependencies bundled into the dispatcher. */
  readonly npm: readonly NpmPackage[];
}

/** The charm: the Node runtime it ships and the npm packages bundled into its dispatcher. */
export function charmSbom(contents: CharmContents, timestamp: string, tool: Tool): CdxBom {
  const subject: CdxComponent = {
    type: "application",
    "bom-ref": "charm",
    name: contents.name,
    version: contents.version,
  };
  return bom(timestamp, tool, subject, [
    nodeComponent(contents.node.version, contents.node.npmPackage),
    ...contents.npm.map(npmComponent),
  ]);
}

export function serializeSbom(doc: CdxBom): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
