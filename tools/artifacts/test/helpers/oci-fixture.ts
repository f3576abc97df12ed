/** A one-layer OCI image layout archived with GNU tar, as small as an image can be. */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

export interface OciFixture {
  readonly manifestDigest: string;
  readonly configDigest: string;
}

export interface OciFixtureOptions {
  readonly tag?: string;
  readonly architecture?: string;
  /** GNU tar's member prefix: "" writes "index.json", "./" writes "./index.json" (tar -C dir .). */
  readonly dotSlash?: boolean;
  /** Writes wrong bytes for the manifest blob, to check digest verification. */
  readonly corruptManifest?: boolean;
}

export async function writeOciArchive(file: string, options: OciFixtureOptions = {}): Promise<OciFixture> {
  const work = await mkdtemp(join(tmpdir(), "oci-fixture-"));
  const layout = join(work, "layout");
  await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  const blob = async (data: string | Buffer, corrupt = false) => {
    const hex = sha256(data);
    await writeFile(join(layout, "blobs", "sha256", hex), corrupt ? `${data.toString()} ` : data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  const layerTar = Buffer.alloc(1024); // an empty tar: two zero blocks
  const layer = await blob(gzipSync(layerTar));
  const config = await blob(
    JSON.stringify({
      architecture: options.architecture ?? "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layerTar)}`] },
    }),
  );
  const manifest = await blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
    options.corruptManifest,
  );
  await writeFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": options.tag ?? "0.1.0" },
        },
      ],
    }),
  );
  const members = options.dotSlash ? ["."] : ["oci-layout", "index.json", "blobs"];
  await execa("tar", ["--format=posix", "-C", layout, "-cf", file, ...members]);
  return { manifestDigest: manifest.digest, configDigest: config.digest };
}
