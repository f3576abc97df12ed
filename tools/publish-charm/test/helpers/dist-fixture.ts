/**
 * Builds a small but real dist/ directory: an OCI archive that skopeo accepts, a .charm zip with
 * metadata.yaml, and manifest.json written with the real schema.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import { type ArtifactManifest, serializeManifest } from "../../src/manifest.js";
import { sha256File } from "../../src/preflight.js";

export const VERSION = "0.1.0";
export const CHARM_FILE = "httprequest-lego-provider_amd64.charm";
export const ROCK_FILE = `httprequest-lego-provider_${VERSION}_amd64.rock`;

export interface DistFixture {
  readonly dir: string;
  readonly manifest: ArtifactManifest;
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

async function writeBlob(layout: string, data: Buffer | string): Promise<{ digest: string; size: number }> {
  const hex = sha256(data);
  await writeFile(join(layout, "blobs", "sha256", hex), data);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
}

/** An OCI image layout with one layer holding /hello.txt, tagged `tag`, archived with GNU tar. */
export async function writeOciArchive(
  work: string,
  file: string,
  tag: string,
): Promise<{ manifestDigest: string; configDigest: string }> {
  const layout = join(work, "layout");
  const content = join(work, "content");
  await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  await mkdir(content, { recursive: true });
  await writeFile(join(content, "hello.txt"), "hello\n");
  const { stdout: layerTar } = await execa(
    "tar",
    ["--format=posix", "--numeric-owner", "--owner=0", "--group=0", "-C", content, "-cf", "-", "hello.txt"],
    { encoding: "buffer" },
  );
  const layer = await writeBlob(layout, gzipSync(layerTar));
  const config = await writeBlob(
    layout,
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/true"] },
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(Buffer.from(layerTar))}`] },
    }),
  );
  const manifest = await writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  await execa("tar", ["--format=posix", "-C", layout, "-cf", file, "oci-layout", "index.json", "blobs"]);
  return { manifestDigest: manifest.digest, configDigest: config.digest };
}

export async function writeCharm(work: string, file: string): Promise<void> {
  const dir = join(work, "charm");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "metadata.yaml"), "name: httprequest-lego-provider\n");
  await writeFile(join(dir, "dispatch"), "#!/bin/sh\n", { mode: 0o755 });
  await execa("zip", ["-q", "-X", file, "metadata.yaml", "dispatch"], { cwd: dir });
}

export async function makeDistFixture(): Promise<DistFixture> {
  const root = await mkdtemp(join(tmpdir(), "publish-charm-"));
  const dir = join(root, "dist");
  await mkdir(dir);
  const rockPath = join(dir, ROCK_FILE);
  const charmPath = join(dir, CHARM_FILE);
  const oci = await writeOciArchive(join(root, "oci"), rockPath, VERSION);
  await writeCharm(root, charmPath);
  const manifest: ArtifactManifest = {
    schemaVersion: 1,
    version: VERSION,
    git: { revision: "0".repeat(40), dirty: false },
    versions: { provider: VERSION, rock: VERSION, charm: VERSION },
    charm: {
      file: CHARM_FILE,
      size: (await readFile(charmPath)).length,
      sha256: await sha256File(charmPath),
      name: "httprequest-lego-provider",
      imageResource: "app-image",
    },
    rock: {
      file: ROCK_FILE,
      size: (await readFile(rockPath)).length,
      sha256: await sha256File(rockPath),
      ociTag: VERSION,
      ociManifestDigest: oci.manifestDigest,
      ociConfigDigest: oci.configDigest,
    },
  };
  await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
  return { dir, manifest };
}
