import { buildLayerEntries, dirEntry, fileEntry, type LayerEntry, ROOT } from "../layer/entries.js";
import { writePlainTar } from "../layer/write-layer.js";
import { digestHex, OCI_LAYOUT } from "./documents.js";

export interface ArchiveBlob {
  readonly digest: string;
  readonly size: number;
  /** Either a file (layers, from the cache) or bytes (JSON documents). */
  readonly source: { readonly file: string } | { readonly content: Buffer };
}

/** The entries of an oci-archive: an OCI image layout (oci-layout, index.json, blobs/sha256/*) as a tar. */
export function archiveEntries(index: Buffer, blobs: readonly ArchiveBlob[]): LayerEntry[] {
  const blobEntries: LayerEntry[] = blobs.map((blob) => ({
    type: "file",
    path: `blobs/sha256/${digestHex(blob.digest)}`,
    mode: 0o644,
    ...ROOT,
    size: blob.size,
    source: blob.source,
  }));
  return buildLayerEntries(
    [],
    [
      dirEntry("blobs"),
      dirEntry("blobs/sha256"),
      ...blobEntries,
      fileEntry("index.json", index),
      fileEntry("oci-layout", OCI_LAYOUT),
    ],
  );
}

export async function writeOciArchive(
  path: string,
  index: Buffer,
  blobs: readonly ArchiveBlob[],
): Promise<{ digest: string; size: number }> {
  return writePlainTar(archiveEntries(index, blobs), path);
}
