import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";

export interface ZipEntry {
  /** Path inside the archive (forward slashes). */
  name: string;
  /** File on disk, or in-memory content. */
  source: { file: string } | { buffer: Buffer };
  mode: number;
}

/** Fixed timestamp so that the same inputs give the same archive. */
const MTIME = new Date(Date.UTC(2000, 0, 1));

/** Writes a zip with the given entries in name order, Unix modes kept (yazl sets external attrs). */
export async function writeZip(path: string, entries: readonly ZipEntry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Directory entries too, as zip tools and charmcraft's archives have them.
  const dirs = new Set<string>();
  for (const entry of sorted) {
    const parts = entry.name.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const dir of [...dirs].sort()) zip.addEmptyDirectory(dir, { mtime: MTIME, mode: 0o040755 });
  for (const entry of sorted) {
    const options = { mtime: MTIME, mode: 0o100000 | entry.mode, compress: true };
    if ("file" in entry.source) zip.addFile(entry.source.file, entry.name, options);
    else zip.addBuffer(entry.source.buffer, entry.name, options);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}
