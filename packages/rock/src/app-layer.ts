/** Layer 3: the provider at /app with production dependencies only, plus the CLI wrapper. */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { BuildCache } from "./cache.js";
import { pnpmDeployProd } from "./commands.js";
import { type NpmPackage, npmPackagesOf } from "./contents/npm-packages.js";
import { run } from "./exec.js";
import { buildLayerEntries, fileEntry, ROOT, type TreeNode } from "./layer/entries.js";
import { walkTree } from "./layer/walk.js";
import type { LayerBlob } from "./layer/write-layer.js";
import { APP_DIR, CLI_PATH, WRAPPER_PATH, wrapperScript } from "./rock-spec.js";

export const PROVIDER_PACKAGE = "@httprequest-lego-provider/provider";

/**
 * Files in the deployed tree that a running service never reads: source maps, type declarations, bin
 * shims, and pnpm's install-state files (timestamps and absolute paths would break reproducibility).
 */
export function isPrunedAppPath(imagePath: string): boolean {
  const name = imagePath.slice(imagePath.lastIndexOf("/") + 1);
  if (imagePath === "app/node_modules/.modules.yaml" || imagePath === "app/node_modules/.pnpm/lock.yaml")
    return true;
  if (imagePath === "app/node_modules/.pnpm-workspace-state-v1.json") return true;
  // Shims for `npm exec`-style use; pnpm writes the deploy directory's absolute path into them.
  if (/(^|\/)node_modules\/\.bin(\/|$)/.test(imagePath)) return true;
  if (name.endsWith(".map")) return true;
  if (/\.d\.[cm]?ts$/.test(name)) return true;
  return false;
}

/** App files are owned by root and not writable by the run user; only the data directory is. */
function appMode(_path: string, mode: number): number {
  return mode & ~0o6022;
}

export function pointsOutside(node: TreeNode, root: string): boolean {
  if (node.kind !== "symlink" || node.linkTarget === undefined) return false;
  const target = resolve(dirname(node.absPath), node.linkTarget);
  return target !== root && !target.startsWith(`${root}/`);
}

export class ProviderNotBuiltError extends Error {
  override readonly name = "ProviderNotBuiltError";
  constructor(path: string) {
    super(
      `${path} is missing: build the provider first (pnpm --filter ${PROVIDER_PACKAGE} build, or pnpm build)`,
    );
  }
}

export async function buildAppLayer(
  cache: BuildCache,
  repoRoot: string,
): Promise<{ blob: LayerBlob; bytes: number; npm: NpmPackage[] }> {
  const cli = join(repoRoot, "packages/provider", CLI_PATH.replace(`${APP_DIR}/`, ""));
  if (!(await stat(cli).catch(() => undefined))) throw new ProviderNotBuiltError(cli);
  const work = await mkdtemp(join(cache.dir, "app-"));
  const deployDir = join(work, "app");
  try {
    await run(pnpmDeployProd(repoRoot, PROVIDER_PACKAGE, deployDir));
    // pnpm links the workspace package itself into .pnpm/node_modules with a path relative to the deploy
    // directory; such links point outside /app, dangle in the image and depend on the build location.
    const nodes = (await walkTree(deployDir)).filter((node) => !pointsOutside(node, deployDir));
    const entries = buildLayerEntries(
      [{ nodes, prefix: APP_DIR.slice(1), owner: () => ROOT, exclude: isPrunedAppPath, mode: appMode }],
      [fileEntry(WRAPPER_PATH.slice(1), wrapperScript(), 0o755)],
    );
    const bytes = entries.reduce((sum, e) => sum + (e.type === "file" ? e.size : 0), 0);
    const blob = await cache.writeLayer(entries);
    return { blob, bytes, npm: await npmPackagesOf(deployDir) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
