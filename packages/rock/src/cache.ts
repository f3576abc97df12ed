import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LayerEntry } from "./layer/entries.js";
import { type LayerBlob, writeLayer } from "./layer/write-layer.js";
import { digestHex } from "./oci/documents.js";

/**
 * Build cache: layer blobs by digest, plus small JSON records naming which blob a cache key produced.
 * Keys hash every input of a layer, so a hit is always safe to reuse.
 */
export class BuildCache {
  constructor(readonly dir: string) {}

  blobPath(digest: string): string {
    return join(this.dir, "blobs", "sha256", digestHex(digest));
  }

  subdir(name: string): string {
    return join(this.dir, name);
  }

  async getRecord<T extends { blob: LayerBlob }>(kind: string, key: string): Promise<T | undefined> {
    try {
      const record = JSON.parse(await readFile(join(this.dir, "layers", `${kind}-${key}.json`), "utf8")) as T;
      await stat(this.blobPath(record.blob.digest));
      return record;
    } catch {
      return undefined;
    }
  }

  async putRecord<T extends { blob: LayerBlob }>(kind: string, key: string, record: T): Promise<void> {
    await mkdir(join(this.dir, "layers"), { recursive: true });
    const path = join(this.dir, "layers", `${kind}-${key}.json`);
    await writeFile(`${path}.partial`, `${JSON.stringify(record, null, 2)}\n`);
    await rename(`${path}.partial`, path);
  }

  /** Writes a layer and files the blob under its digest. */
  async writeLayer(entries: readonly LayerEntry[]): Promise<LayerBlob> {
    await mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
    const temp = join(this.dir, "blobs", `layer-${process.pid}-${Date.now()}.tar.gz`);
    const blob = await writeLayer(entries, temp);
    await rename(temp, this.blobPath(blob.digest));
    return blob;
  }
}
