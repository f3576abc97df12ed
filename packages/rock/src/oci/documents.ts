/**
 * The JSON documents of an OCI image layout (https://github.com/opencontainers/image-spec): pure builders
 * with a fixed key order, so the same inputs always give the same bytes and digests.
 */
import { createHash } from "node:crypto";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface LayerDescription {
  readonly diffId: string;
  readonly digest: string;
  readonly size: number;
  /** Shown in the history as created_by, e.g. "base: 48 Debian packages". */
  readonly comment: string;
}

export interface ImageConfigInput {
  readonly created: string;
  readonly architecture: string;
  readonly user: string;
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
  readonly exposedPorts: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly layers: readonly LayerDescription[];
}

/** A JSON blob ready to be written: its bytes and their descriptor. */
export interface Blob {
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

export function jsonBlob(mediaType: string, document: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(document));
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function imageConfig(input: ImageConfigInput): Blob {
  return jsonBlob(MEDIA_TYPES.config, {
    created: input.created,
    architecture: input.architecture,
    os: "linux",
    config: {
      User: input.user,
      ExposedPorts: Object.fromEntries(input.exposedPorts.map((port) => [port, {}])),
      Env: [...input.env],
      Entrypoint: [...input.entrypoint],
      Cmd: [...input.cmd],
      WorkingDir: input.workingDir,
      Labels: sortedRecord(input.labels),
    },
    rootfs: { type: "layers", diff_ids: input.layers.map((layer) => layer.diffId) },
    history: input.layers.map((layer) => ({ created: input.created, created_by: layer.comment })),
  });
}

export function imageManifest(
  config: Descriptor,
  layers: readonly LayerDescription[],
  annotations: Readonly<Record<string, string>>,
): Blob {
  return jsonBlob(MEDIA_TYPES.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({
      mediaType: MEDIA_TYPES.layerGzip,
      digest: layer.digest,
      size: layer.size,
    })),
    annotations: sortedRecord(annotations),
  });
}

/** index.json; the ref.name annotation is the tag that `oci-archive:<file>:<tag>` selects. */
export function imageIndex(manifest: Descriptor, tag: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [
        {
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.size,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
}

export const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" }));

export function digestHex(digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 digest: ${digest}`);
  return hex;
}
