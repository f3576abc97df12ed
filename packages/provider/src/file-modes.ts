import { chmod, lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Files at rest: the data directory holds the embedded database, the DNS clone, ssh keys and the
 * development signing key, so nobody but the service's own user may read any of it.
 */

/** Group and other bits: none may be set on anything in the data directory. */
const OPEN_BITS = 0o077;

/** Every file and directory the process creates from now on is private to its user. */
export function restrictFileCreation(): void {
  process.umask(OPEN_BITS);
}

/** The mode with every group and other bit cleared, or undefined if it already has none. */
export function tightenedMode(mode: number): number | undefined {
  const perms = mode & 0o7777;
  return perms & OPEN_BITS ? perms & ~OPEN_BITS : undefined;
}

export interface TightenedPath {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;

/**
 * Clears group and other bits on `dir` and everything below it (symlinks are left alone: chmod
 * would follow them out of the directory). Returns what was changed; a missing `dir` is fine.
 */
export async function tightenTree(dir: string): Promise<TightenedPath[]> {
  const changed: TightenedPath[] = [];
  const visit = async (p: string): Promise<void> => {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(p);
    } catch (err) {
      // Gone meanwhile (a socket or lock file removed by its owner): nothing to protect.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    if (st.isSymbolicLink()) return;
    const to = tightenedMode(st.mode);
    if (to !== undefined) {
      await chmod(p, to);
      changed.push({ path: p, from: octal(st.mode & 0o7777), to: octal(to) });
    }
    if (st.isDirectory()) {
      for (const name of await readdir(p)) await visit(path.join(p, name));
    }
  };
  await visit(dir);
  return changed;
}
