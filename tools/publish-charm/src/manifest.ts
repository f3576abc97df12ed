/**
 * dist/manifest.json: what `pnpm build` produced, and the contract between the build and
 * `publish-charm`. The dist collector writes it with this schema; publish-charm reads it back, so
 * the two cannot drift apart.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const MANIFEST_FILE = "manifest.json";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");
const ociDigest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "an OCI digest (sha256:<hex>)");
/** A bare file name: the manifest never points outside its own directory. */
const fileName = z
  .string()
  .min(1)
  .refine((name) => !name.includes("/") && name !== "." && name !== "..", "a file name without '/'");
const semver = z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/, "a semantic version");

const artifactFields = {
  file: fileName,
  size: z.number().int().nonnegative(),
  sha256: sha256Hex,
};

/** The CycloneDX SBOM written next to an artifact (decision 0321). */
export const sbomFileSchema = z.object({ ...artifactFields, format: z.literal("CycloneDX 1.5 JSON") });

export const charmArtifactSchema = z.object({
  ...artifactFields,
  sbom: sbomFileSchema.optional(),
  /** The charm's name on Charmhub (charmcraft.yaml `name`). */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** The charm's oci-image resource that the rock is uploaded as. */
  imageResource: z.string().regex(/^[a-z][a-z0-9-]*$/),
});

export const rockArtifactSchema = z.object({
  ...artifactFields,
  /** Absent only for a rock built with --rockcraft, whose contents the builder does not record. */
  sbom: sbomFileSchema.optional(),
  /** The tag (org.opencontainers.image.ref.name) of the image inside the OCI archive. */
  ociTag: z.string().min(1),
  /** Digest of the image manifest: what a registry reports after a push. */
  ociManifestDigest: ociDigest,
  /** Digest of the image config: the image id Docker shows after loading it. */
  ociConfigDigest: ociDigest,
});

export const artifactManifestSchema = z.object({
  schemaVersion: z.literal(1),
  /** The product version: packages/provider/package.json, the one place versions come from. */
  version: semver,
  git: z.object({
    revision: z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64}|unknown)$/),
    dirty: z.boolean(),
  }),
  versions: z.object({
    provider: semver,
    rock: semver,
    charm: semver,
  }),
  charm: charmArtifactSchema,
  rock: rockArtifactSchema,
});

export type CharmArtifact = z.infer<typeof charmArtifactSchema>;
export type RockArtifact = z.infer<typeof rockArtifactSchema>;
export type ArtifactManifest = z.infer<typeof artifactManifestSchema>;

export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** Parses manifest text; the message lists every field that is wrong. */
export function parseManifest(text: string, where: string): ArtifactManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(
      `${where} is not JSON (${(error as Error).message}); rebuild with \`pnpm build\``,
    );
  }
  const parsed = artifactManifestSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ManifestError(`${where} is not a valid artifact manifest (${problems.join("; ")})`);
  }
  return parsed.data;
}

export async function readManifest(distDir: string): Promise<ArtifactManifest> {
  const path = join(distDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ManifestError(
      `${path} not found; run \`pnpm build\` first (it writes the charm, the rock and this manifest)`,
    );
  }
  return parseManifest(text, path);
}

/** Stable JSON: the same manifest always serialises to the same bytes. */
export function serializeManifest(manifest: ArtifactManifest): string {
  return `${JSON.stringify(artifactManifestSchema.parse(manifest), null, 2)}\n`;
}
