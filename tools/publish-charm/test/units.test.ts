import { describe, expect, it } from "vitest";
import { DEFAULT_CHANNEL, parseChannel } from "../src/channel.js";
import { parseRevision } from "../src/charmcraft-json.js";
import { CharmcraftOutputError, CharmhubError, UsageError } from "../src/errors.js";
import { parseManifest, serializeManifest } from "../src/manifest.js";
import { planPublish } from "../src/plan.js";
import { formatArgv } from "../src/publish.js";

describe("parseChannel", () => {
  it.each(["latest/edge", "edge", "stable", "2.0/candidate", "beta/hotfix-23425", "1.3/beta/feature-foo"])(
    "accepts the Charmhub channel %s",
    (channel) => {
      expect(parseChannel(channel)).toBe(channel);
    },
  );

  it.each(["latest", "edgy", "latest/edge/x/y", "latest/foo", "", "latest//edge", "-edge"])(
    "rejects %j before anything is uploaded",
    (channel) => {
      expect(() => parseChannel(channel)).toThrow(UsageError);
    },
  );

  it("defaults to latest/edge", () => {
    expect(DEFAULT_CHANNEL).toBe("latest/edge");
  });
});

describe("parseRevision", () => {
  it("reads the revision from charmcraft's indented JSON", () => {
    expect(parseRevision("upload", '{\n    "revision": 42\n}\n')).toBe(42);
  });

  it("turns a store rejection into a CharmhubError that names code and message", () => {
    const out = JSON.stringify({ errors: [{ code: "invalid-name", message: "name not registered" }] });
    expect(() => parseRevision("charmcraft upload", out)).toThrow(CharmhubError);
    expect(() => parseRevision("charmcraft upload", out)).toThrow(/invalid-name: name not registered/);
  });

  it.each([
    ["text output", "Revision 3 of 'x' created"],
    ["JSON without a revision", '{"revision": "3"}'],
    ["a zero revision", '{"revision": 0}'],
  ])("refuses %s rather than guessing", (_, out) => {
    expect(() => parseRevision("upload", out)).toThrow(CharmcraftOutputError);
  });
});

describe("formatArgv", () => {
  it("shows arguments verbatim and quotes only what a shell would split", () => {
    expect(formatArgv(["charmcraft", "release", "--channel=latest/edge", "a b", "it's"])).toBe(
      "charmcraft release --channel=latest/edge 'a b' 'it'\\''s'",
    );
  });
});

const manifest = parseManifest(
  JSON.stringify({
    schemaVersion: 1,
    version: "1.2.3",
    git: { revision: "a".repeat(40), dirty: false },
    versions: { provider: "1.2.3", rock: "0.1.0", charm: "0.1.0" },
    charm: {
      file: "c.charm",
      size: 1,
      sha256: "b".repeat(64),
      name: "httprequest-lego-provider",
      imageResource: "app-image",
    },
    rock: {
      file: "r.rock",
      size: 2,
      sha256: "c".repeat(64),
      ociTag: "1.2.3",
      ociManifestDigest: `sha256:${"d".repeat(64)}`,
      ociConfigDigest: `sha256:${"e".repeat(64)}`,
    },
  }),
  "test",
);

describe("manifest", () => {
  it("serialises the same manifest to the same bytes", () => {
    expect(serializeManifest(manifest)).toBe(
      serializeManifest(parseManifest(serializeManifest(manifest), "x")),
    );
  });

  it("rejects a file name that points outside dist/ and lists every bad field", () => {
    const bad = {
      ...manifest,
      charm: { ...manifest.charm, file: "../x.charm" },
      rock: { ...manifest.rock, sha256: "zz" },
    };
    expect(() => parseManifest(JSON.stringify(bad), "m.json")).toThrow(/charm\.file.*rock\.sha256/s);
  });
});

describe("planPublish", () => {
  it("uploads the charm, then the rock from its OCI archive, then releases both revisions", () => {
    const plan = planPublish(manifest, { distDir: "/d", channel: "2.0/beta", imageSource: "archive" });
    expect(plan.uploadCharm.argv).toEqual(["charmcraft", "upload", "/d/c.charm", "--format=json"]);
    expect(plan.loadImage).toBeUndefined();
    expect(plan.uploadResource.argv).toEqual([
      "charmcraft",
      "upload-resource",
      "httprequest-lego-provider",
      "app-image",
      "--image=oci-archive:/d/r.rock:1.2.3",
      "--format=json",
    ]);
    expect(plan.release(7, 3).argv).toEqual([
      "charmcraft",
      "release",
      "httprequest-lego-provider",
      "--revision=7",
      "--channel=2.0/beta",
      "--resource=app-image:3",
    ]);
  });

  it("for older charmcraft, loads the rock into Docker and passes the image id", () => {
    const plan = planPublish(manifest, { distDir: "/d", channel: "edge", imageSource: "docker-daemon" });
    expect(plan.loadImage?.argv).toEqual([
      "skopeo",
      "copy",
      "oci-archive:/d/r.rock:1.2.3",
      "docker-daemon:httprequest-lego-provider:1.2.3",
    ]);
    expect(plan.uploadResource.argv).toContain(`--image=${"e".repeat(64)}`);
  });

  it("refuses a dist path skopeo cannot address", () => {
    expect(() => planPublish(manifest, { distDir: "/a:b", channel: "edge", imageSource: "archive" })).toThrow(
      UsageError,
    );
  });
});
