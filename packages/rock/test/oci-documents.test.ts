import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { imageConfig, imageIndex, imageManifest, MEDIA_TYPES } from "../src/oci/documents.js";
import { createdFromEpoch, imageConfigInput } from "../src/plan.js";

const layers = [
  { diffId: `sha256:${"1".repeat(64)}`, digest: `sha256:${"a".repeat(64)}`, size: 10, comment: "base" },
  { diffId: `sha256:${"2".repeat(64)}`, digest: `sha256:${"b".repeat(64)}`, size: 20, comment: "app" },
];
const inputs = { version: "0.1.0", created: "2026-01-02T03:04:05Z" };

describe("OCI documents", () => {
  it("put uncompressed diff_ids in the config and compressed digests in the manifest, in the same order", () => {
    const config = imageConfig(imageConfigInput(inputs, layers));
    const manifest = imageManifest(config.descriptor, layers, {});
    const configJson = JSON.parse(config.bytes.toString()) as {
      rootfs: { diff_ids: string[] };
      history: unknown[];
    };
    const manifestJson = JSON.parse(manifest.bytes.toString()) as {
      layers: { digest: string; size: number; mediaType: string }[];
    };
    expect(configJson.rootfs.diff_ids).toEqual(layers.map((l) => l.diffId));
    expect(configJson.history).toHaveLength(2);
    expect(manifestJson.layers).toEqual(
      layers.map((l) => ({ mediaType: MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size })),
    );
  });

  it("name each blob by the sha256 of its exact bytes", () => {
    const config = imageConfig(imageConfigInput(inputs, layers));
    expect(config.descriptor.digest).toBe(
      `sha256:${createHash("sha256").update(config.bytes).digest("hex")}`,
    );
    expect(config.descriptor.size).toBe(config.bytes.length);
  });

  it("are byte-identical for the same inputs (labels in any order)", () => {
    const a = imageConfig(imageConfigInput(inputs, layers));
    const b = imageConfig({
      ...imageConfigInput(inputs, layers),
      labels: Object.fromEntries(Object.entries(imageConfigInput(inputs, layers).labels).reverse()),
    });
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  it("tag the manifest in index.json with the version, which oci-archive:<file>:<tag> looks up", () => {
    const config = imageConfig(imageConfigInput(inputs, layers));
    const manifest = imageManifest(config.descriptor, layers, {});
    const index = JSON.parse(imageIndex(manifest.descriptor, "0.1.0").toString()) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.digest).toBe(manifest.descriptor.digest);
    expect(index.manifests[0]?.annotations["org.opencontainers.image.ref.name"]).toBe("0.1.0");
  });

  it("take the creation time from SOURCE_DATE_EPOCH seconds and reject nonsense", () => {
    expect(createdFromEpoch(0)).toBe("1970-01-01T00:00:00Z");
    expect(createdFromEpoch(1767323045)).toBe("2026-01-02T03:04:05Z");
    expect(() => createdFromEpoch(Number("soon"))).toThrow(/SOURCE_DATE_EPOCH/);
  });
});
