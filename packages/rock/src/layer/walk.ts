import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { TreeNode } from "./entries.js";

export interface WalkOptions {
  /**
   * Hash regular files of at least this many bytes, so identical copies are stored once (as hard links).
   * Debian's git package ships several byte-identical multi-megabyte programs.
   */
  readonly dedupeMinBytes?: number;
}

async function contentHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Lists every object under root (not root itself), depth first; no sorting (entries.ts sorts). */
export async function walkTree(root: string, options: WalkOptions = {}): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  async function visit(absDir: string, relDir: string): Promise<void> {
    for (const name of await readdir(absDir)) {
      const absPath = join(absDir, name);
      const relPath = relDir === "" ? name : `${relDir}/${name}`;
      const stat = await lstat(absPath);
      const base = {
        relPath,
        absPath,
        mode: stat.mode & 0o7777,
        size: stat.size,
      };
      if (stat.isSymbolicLink()) {
        nodes.push({ ...base, kind: "symlink", size: 0, linkTarget: await readlink(absPath) });
      } else if (stat.isDirectory()) {
        nodes.push({ ...base, kind: "directory", size: 0 });
        await visit(absPath, relPath);
      } else if (stat.isFile()) {
        const dedupe = options.dedupeMinBytes !== undefined && stat.size >= options.dedupeMinBytes;
        const linkKey = dedupe
          ? await contentHash(absPath)
          : stat.nlink > 1
            ? `inode:${stat.dev}:${stat.ino}`
            : undefined;
        nodes.push(linkKey === undefined ? { ...base, kind: "file" } : { ...base, kind: "file", linkKey });
      } else {
        throw new Error(`${absPath}: only files, directories and symlinks can go into an image layer`);
      }
    }
  }
  await visit(root, "");
  return nodes;
}
