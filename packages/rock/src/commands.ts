/**
 * Every external command the builds run, as argv data (pure; exec.ts runs them). Keeping them here makes
 * the plan reviewable and testable without starting processes.
 */
import { NODE_PACKAGE } from "./rock-spec.js";

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Candidate versions from the host's apt lists (the Debian release the base is built from). */
export function aptCacheShow(names: readonly string[]): Command {
  return { file: "apt-cache", args: ["show", "--no-all-versions", "--", ...names] };
}

/** Downloads exact versions into dir, without installing them; works as non-root. */
export function aptDownload(packages: readonly { name: string; version: string }[], dir: string): Command {
  return {
    file: "apt-get",
    args: ["download", "--", ...packages.map((p) => `${p.name}=${p.version}`)],
    cwd: dir,
  };
}

/**
 * Unpacks a package's files into a directory without running its maintainer scripts. GNU tar's
 * --keep-directory-symlink keeps the merged-/usr links (bin -> usr/bin) that the staging root starts with.
 */
export function unpackDeb(debPath: string, root: string): Command {
  return {
    file: "bash",
    args: [
      "-c",
      'set -euo pipefail; dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink --no-same-owner -C "$2"',
      "unpack-deb",
      debPath,
      root,
    ],
  };
}

/** A package's control file (all fields), as `dpkg-deb -f` prints it. */
export function debControl(debPath: string): Command {
  return { file: "dpkg-deb", args: ["-f", "--", debPath] };
}

export function npmPack(version: string, dir: string): Command {
  return { file: "npm", args: ["pack", "--silent", `${NODE_PACKAGE}@${version}`], cwd: dir };
}

export function extractFromTgz(tgz: string, member: string, dir: string): Command {
  return { file: "tar", args: ["-xzf", tgz, "-C", dir, "--", member] };
}

/** Drops symbols and debug sections (Node's binary shrinks from ~127 MB to ~108 MB). */
export function stripBinary(path: string): Command {
  return { file: "strip", args: ["--strip-all", "--", path] };
}

/** The provider with production dependencies only, as a self-contained directory. */
export function pnpmDeployProd(repoRoot: string, packageName: string, dir: string): Command {
  return {
    file: "pnpm",
    args: ["--filter", packageName, "deploy", "--prod", "--legacy", "--prefer-offline", dir],
    cwd: repoRoot,
  };
}

/** Paths whose changes make a different image; the same set turbo hashes for the rock's build. */
export const IMAGE_INPUT_PATHS = ["packages/provider", "packages/rock", "pnpm-lock.yaml"] as const;

/**
 * Time of the last commit that touched the image's inputs: a commit elsewhere (docs, the charm)
 * keeps the same `created`, so a cached build and a fresh one give the same digests.
 */
export function gitCommitTime(repoRoot: string): Command {
  return { file: "git", args: ["log", "-1", "--format=%ct", "--", ...IMAGE_INPUT_PATHS], cwd: repoRoot };
}

export function rockcraftPack(projectDir: string): Command {
  return { file: "rockcraft", args: ["pack", "--verbosity", "brief"], cwd: projectDir };
}

export function stripVersion(): Command {
  return { file: "strip", args: ["--version"] };
}
