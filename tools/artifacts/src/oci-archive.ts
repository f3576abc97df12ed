/**
 * What an OCI archive (a rock) says about itself: its tag, manifest digest and config digest, read
 * from index.json and the blobs it points to, with every digest checked against the bytes.
 */
import { createHash } from "node:crypto";
import { readTarMembers } from "@httprequest-lego-provider/rock/tar-members";
import { z } from "zod";

const REF_NAME = "org.opencontainers.image.ref.name";
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

const descriptor = z.object({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const indexSchema = z.object({ schemaVersion: z.literal(2), manifests: z.array(descriptor).min(1) });
const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  config: descriptor,
  layers: z.array(descriptor),
});
const configSchema = z.object({ architecture: z.string(), os: z.string() });

export interface OciImageInfo {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly architecture: string;
  readonly os: string;
  readonly layers: number;
}

export class OciArchiveError extends Error {
  override readonly name = "OciArchiveError";
}

function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice("sha256:".length)}`;
}

function checkedJson(path: string, name: string, data: Buffer | undefined, digest?: string): unknown {
  if (!data) throw new OciArchiveError(`${path} has no ${name}; is it an OCI archive (rock)?`);
  if (digest && `sha256:${createHash("sha256").update(data).digest("hex")}` !== digest) {
    throw new OciArchiveError(`${name} in ${path} does not match its digest ${digest}`);
  }
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    throw new OciArchiveError(`${name} in ${path} is not JSON`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new OciArchiveError(
      `${what}: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return result.data;
}

/** Reads the single tagged image in an OCI archive. */
export async function inspectOciArchive(path: string): Promise<OciImageInfo> {
  const top = await readTarMembers(path, new Set(["oci-layout", "index.json"]));
  if (!top.has("oci-layout"))
    throw new OciArchiveError(`${path} has no oci-layout; is it an OCI archive (rock)?`);
  const index = parse(
    indexSchema,
    checkedJson(path, "index.json", top.get("index.json")),
    `${path} index.json`,
  );
  const images = index.manifests.filter((m) => m.mediaType === MANIFEST_TYPE);
  const [entry] = images;
  if (!entry || images.length !== 1) {
    throw new OciArchiveError(`${path} holds ${images.length} image manifests; a rock holds exactly one`);
  }
  const tag = entry.annotations?.[REF_NAME];
  if (!tag) throw new OciArchiveError(`${path}: the image has no ${REF_NAME} annotation (tag)`);

  const manifestBlob = (await readTarMembers(path, new Set([blobName(entry.digest)]))).get(
    blobName(entry.digest),
  );
  const manifest = parse(
    manifestSchema,
    checkedJson(path, "the image manifest", manifestBlob, entry.digest),
    `${path} manifest`,
  );
  const configName = blobName(manifest.config.digest);
  const configBlob = (await readTarMembers(path, new Set([configName]))).get(configName);
  const config = parse(
    configSchema,
    checkedJson(path, "the image config", configBlob, manifest.config.digest),
    `${path} config`,
  );
  return {
    tag,
    manifestDigest: entry.digest,
    configDigest: manifest.config.digest,
    architecture: config.architecture,
    os: config.os,
    layers: manifest.layers.length,
  };
}
