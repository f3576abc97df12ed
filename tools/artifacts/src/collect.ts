/**
 * Collects the build's artifacts into one directory with manifest.json: copies the charm and the
 * rock, hashes them, reads the rock's OCI digests and checks that every version agrees.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type ArtifactManifest,
  MANIFEST_FILE,
  serializeManifest,
} from "@httprequest-lego-provider/publish-charm/manifest";
import type { GitRevision } from "./git-revision.js";
import { inspectOciArchive } from "./oci-archive.js";
import { readCharmContents } from "./sbom/charm-contents.js";
import { type CdxBom, charmSbom, rockSbom, SBOM_SUFFIX, serializeSbom, type Tool } from "./sbom/cyclonedx.js";
import { assertCycloneDx } from "./sbom/cyclonedx-schema.js";
import { readImageContents } from "./sbom/image-contents.js";
import { sha256File } from "./sha256.js";
import type { BuildSources } from "./sources.js";

export class CollectError extends Error {
  override readonly name = "CollectError";
}

async function requireFile(path: string, builtBy: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new CollectError(`${path} is missing; ${builtBy} builds it (\`pnpm build\` runs it first)`);
  return info.size;
}

export async function collect(
  sources: BuildSources,
  git: GitRevision,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<ArtifactManifest> {
  await requireFile(sources.charmPath, "packages/charm");
  await requireFile(sources.rockPath, "packages/rock");

  log(`reading the image in ${basename(sources.rockPath)}`);
  const image = await inspectOciArchive(sources.rockPath);
  if (image.tag !== sources.version) {
    throw new CollectError(
      `${sources.rockPath} is tagged ${image.tag} but packages/provider/package.json says ${sources.version}; rebuild the rock`,
    );
  }
  if (image.architecture !== "amd64" || image.os !== "linux") {
    throw new CollectError(
      `${sources.rockPath} is a ${image.os}/${image.architecture} image; the charm runs linux/amd64`,
    );
  }

  // Start from an empty directory so files of an earlier version never linger next to the new ones.
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const charmFile = basename(sources.charmPath);
  const rockFile = basename(sources.rockPath);
  log(`copying ${charmFile} and ${rockFile} to ${outDir}`);
  await copyFile(sources.charmPath, join(outDir, charmFile));
  await copyFile(sources.rockPath, join(outDir, rockFile));

  const charmOut = join(outDir, charmFile);
  const rockOut = join(outDir, rockFile);

  const tool = await ownVersion();
  const contents = (await stat(sources.rockContentsPath).catch(() => undefined))
    ? await readImageContents(sources.rockContentsPath)
    : undefined;
  if (contents && contents.image.version !== sources.version) {
    throw new CollectError(
      `${sources.rockContentsPath} describes version ${contents.image.version}, not ${sources.version}; rebuild the rock`,
    );
  }
  if (!contents)
    log(`${basename(sources.rockContentsPath)} is missing (a --rockcraft build?): no SBOM for the rock`);
  const rockSbomFile = contents
    ? await writeSbom(outDir, rockFile, rockSbom(contents, image.manifestDigest, tool))
    : undefined;
  const charmContents = await readCharmContents(
    sources.charmPackageDir,
    sources.charmName,
    sources.versions.charm,
  );
  const charmSbomFile = await writeSbom(
    outDir,
    charmFile,
    charmSbom(charmContents, contents?.image.created ?? new Date().toISOString(), tool),
  );
  log(
    `wrote ${[charmSbomFile, rockSbomFile]
      .filter(Boolean)
      .map((f) => f?.file)
      .join(" and ")}`,
  );
  const manifest: ArtifactManifest = {
    schemaVersion: 1,
    version: sources.version,
    git: { revision: git.revision, dirty: git.dirty },
    versions: sources.versions,
    charm: {
      file: charmFile,
      size: (await stat(charmOut)).size,
      sha256: await sha256File(charmOut),
      name: sources.charmName,
      imageResource: sources.imageResource,
      sbom: charmSbomFile,
    },
    rock: {
      file: rockFile,
      size: (await stat(rockOut)).size,
      sha256: await sha256File(rockOut),
      ociTag: image.tag,
      ociManifestDigest: image.manifestDigest,
      ociConfigDigest: image.configDigest,
      ...(rockSbomFile ? { sbom: rockSbomFile } : {}),
    },
  };
  await writeFile(join(outDir, MANIFEST_FILE), serializeManifest(manifest));
  return manifest;
}

async function ownVersion(): Promise<Tool> {
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as Tool;
  return { name: pkg.name, version: pkg.version };
}

/** Validates and writes `<artifact>.cdx.json`; returns its manifest entry. */
async function writeSbom(outDir: string, artifactFile: string, doc: CdxBom) {
  assertCycloneDx(doc, artifactFile);
  const file = `${artifactFile}${SBOM_SUFFIX}`;
  const path = join(outDir, file);
  await writeFile(path, serializeSbom(doc));
  return {
    file,
    size: (await stat(path)).size,
    sha256: await sha256File(path),
    format: "CycloneDX 1.5 JSON" as const,
  };
}
