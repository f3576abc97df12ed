/**
 * Reads and writes of zone files in the clone's working tree that never go through a link: the
 * repository's content is not ours, and an entry checked out as a symbolic link would otherwise
 * let a /present append to any file the service can write. The tree's modes are checked first
 * (zone-lookup.ts); this is the second line, at the system call.
 */
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** The path is a link, a directory or anything else that is not a regular file. */
export class NotRegularFileError extends Error {
  override readonly name = "NotRegularFileError";
}

// O_NOFOLLOW: a link fails with ELOOP instead of being followed. O_NONBLOCK: a FIFO cannot hang us.
const NO_LINKS = constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function openRegular(path: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, flags | NO_LINKS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP")
      throw new NotRegularFileError("it is a symbolic link; zone files must be regular files");
    throw err;
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new NotRegularFileError("it is not a regular file; zone files must be regular files");
  }
  return handle;
}

export async function readRegularFile(path: string, encoding: BufferEncoding): Promise<string> {
  const handle = await openRegular(path, constants.O_RDONLY);
  try {
    return await handle.readFile({ encoding });
  } finally {
    await handle.close();
  }
}

/** Replaces the content of an existing regular file (never creates one, never follows a link). */
export async function writeRegularFile(path: string, text: string, encoding: BufferEncoding): Promise<void> {
  // Truncated only once it is known to be a regular file.
  const handle = await openRegular(path, constants.O_WRONLY);
  try {
    await handle.truncate(0);
    await handle.writeFile(Buffer.from(text, encoding));
  } finally {
    await handle.close();
  }
}
