/** Reads the build inputs from the repository and environment, once, at the edge. */
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gitCommitTime } from "./commands.js";
import { run } from "./exec.js";
import { type BuildInputs, createdFromEpoch } from "./plan.js";
import { NODE_VERSION } from "./rock-spec.js";

/** packages/rock, whether running from src/ (tests) or lib/ (built). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = resolve(PACKAGE_DIR, "../..");

export async function providerVersion(repoRoot: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(repoRoot, "packages/provider/package.json"), "utf8")) as {
    version?: unknown;
  };
  if (typeof manifest.version !== "string" || !/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(manifest.version)) {
    throw new Error("packages/provider/package.json has no usable version (it becomes the image tag)");
  }
  return manifest.version;
}

/** SOURCE_DATE_EPOCH when set (https://reproducible-builds.org/specs/source-date-epoch/), else the last commit of the inputs. */
export async function createdTime(repoRoot: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== "") return createdFromEpoch(Number(fromEnv));
  const out = await run(gitCommitTime(repoRoot)).catch(() => "0");
  return createdFromEpoch(Number(out.trim() || "0"));
}

export interface InputOverrides {
  readonly outDir?: string;
  readonly cacheDir?: string;
  readonly nodeVersion?: string;
  readonly repoRoot?: string;
}

export async function readInputs(
  overrides: InputOverrides,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildInputs> {
  const repoRoot = overrides.repoRoot ?? REPO_ROOT;
  return {
    repoRoot,
    version: await providerVersion(repoRoot),
    created: await createdTime(repoRoot, env),
    nodeVersion: overrides.nodeVersion ?? NODE_VERSION,
    outDir: resolve(overrides.outDir ?? join(PACKAGE_DIR, "dist")),
    cacheDir: resolve(overrides.cacheDir ?? env.ROCK_CACHE_DIR ?? join(PACKAGE_DIR, ".cache")),
  };
}
