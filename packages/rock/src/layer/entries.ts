/**
 * Layer contents as plain data. A layer is a sorted list of entries with explicit owners and modes, so
 * the tar bytes depend only on the inputs (not on the build user, umask, clock or directory order).
 */

export type LayerEntry =
  | {
      readonly type: "directory";
      readonly path: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    }
  | {
      readonly type: "file";
      readonly path: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
      readonly size: number;
      /** Where the bytes come from: a file on disk or literal content. */
      readonly source: { readonly file: string } | { readonly content: Buffer };
    }
  | {
      readonly type: "symlink";
      readonly path: string;
      readonly target: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    }
  /** A hard link to an earlier entry of the same layer (git's builtins are hard links in the package). */
  | {
      readonly type: "link";
      readonly path: string;
      readonly target: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    };

/** A file system object found under a staging directory. */
export interface TreeNode {
  /** Path relative to the walked root, "/"-separated, no leading slash. */
  readonly relPath: string;
  readonly absPath: string;
  readonly kind: "directory" | "file" | "symlink";
  readonly mode: number;
  readonly size: number;
  readonly linkTarget?: string;
  /**
   * Regular files with the same key become hard links to the first one in path order: set from
   * device+inode for existing hard links, or from the content hash to de-duplicate copies.
   */
  readonly linkKey?: string;
}

export interface Ownership {
  readonly uid: number;
  readonly gid: number;
}

export const ROOT: Ownership = { uid: 0, gid: 0 };

/** Joins a layer prefix ("app") and a relative path; both without slashes at the ends. */
export function joinLayerPath(prefix: string, relPath: string): string {
  if (prefix === "") return relPath;
  if (relPath === "") return prefix;
  return `${prefix}/${relPath}`;
}

/** Byte-wise comparison (not locale), which also puts every directory before its children. */
export function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

export interface TreeMapping {
  readonly nodes: readonly TreeNode[];
  /** Where the tree root lands in the image, e.g. "app"; "" for "/". */
  readonly prefix: string;
  readonly owner: (imagePath: string) => Ownership;
  /** Image paths to leave out. */
  readonly exclude?: (imagePath: string) => boolean;
  /** Mode override, e.g. to strip group/other write bits; receives the on-disk mode. */
  readonly mode?: (imagePath: string, mode: number) => number;
}

/**
 * Turns walked trees plus extra entries into one sorted, de-duplicated entry list. Later sources win on
 * the same path (extra entries win over trees). Missing parent directories are added as root 0755.
 */
export function buildLayerEntries(
  trees: readonly TreeMapping[],
  extra: readonly LayerEntry[] = [],
): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const tree of trees) {
    const firstPathOfInode = new Map<string, string>();
    const sorted = [...tree.nodes].sort((a, b) => compareBytes(a.relPath, b.relPath));
    for (const node of sorted) {
      const path = joinLayerPath(tree.prefix, node.relPath);
      if (path === "" || tree.exclude?.(path)) continue;
      const { uid, gid } = tree.owner(path);
      const mode = tree.mode ? tree.mode(path, node.mode) : node.mode;
      if (node.kind === "directory") {
        byPath.set(path, { type: "directory", path, mode, uid, gid });
      } else if (node.kind === "symlink") {
        byPath.set(path, { type: "symlink", path, target: node.linkTarget ?? "", mode: 0o777, uid, gid });
      } else {
        const key = node.linkKey === undefined ? undefined : `${node.linkKey}:${mode}:${uid}:${gid}`;
        const first = key === undefined ? undefined : firstPathOfInode.get(key);
        if (first !== undefined) {
          byPath.set(path, { type: "link", path, target: first, mode, uid, gid });
        } else {
          if (key !== undefined) firstPathOfInode.set(key, path);
          byPath.set(path, {
            type: "file",
            path,
            mode,
            uid,
            gid,
            size: node.size,
            source: { file: node.absPath },
          });
        }
      }
    }
  }
  for (const entry of extra) byPath.set(entry.path, entry);
  for (const path of [...byPath.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (!byPath.has(parent)) byPath.set(parent, { type: "directory", path: parent, mode: 0o755, ...ROOT });
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

/** Convenience constructors for synthesized entries. */
export function fileEntry(
  path: string,
  content: string | Buffer,
  mode = 0o644,
  owner: Ownership = ROOT,
): LayerEntry {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  return { type: "file", path, mode, ...owner, size: bytes.length, source: { content: bytes } };
}

export function dirEntry(path: string, mode = 0o755, owner: Ownership = ROOT): LayerEntry {
  return { type: "directory", path, mode, ...owner };
}

export function symlinkEntry(path: string, target: string): LayerEntry {
  return { type: "symlink", path, target, mode: 0o777, ...ROOT };
}
