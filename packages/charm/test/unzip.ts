import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import yauzl from "yauzl";

export interface ZipItem {
  name: string;
  /** Unix mode from the entry's external attributes (type bits included). */
  mode: number;
  data: Buffer;
}

/** Reads every entry of a zip, with its Unix mode, as Juju's unpacking would see it. */
export function readZip(path: string): Promise<ZipItem[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const items: ZipItem[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        const mode = (entry.externalFileAttributes >>> 16) & 0o177777;
        if (entry.fileName.endsWith("/")) {
          items.push({ name: entry.fileName, mode, data: Buffer.alloc(0) });
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            items.push({ name: entry.fileName, mode, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(items));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

export function extract(items: readonly ZipItem[], dir: string): void {
  for (const item of items) {
    const target = join(dir, item.name);
    if (item.name.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, item.data);
    chmodSync(target, item.mode & 0o777);
  }
}
