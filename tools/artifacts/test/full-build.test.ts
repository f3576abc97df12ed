/**
 * The whole pipeline from a clean checkout: `pnpm build` produces the charm, the rock and
 * dist/manifest.json; a second `pnpm build` with nothing changed is served from turbo's cache for
 * every task and restores a deleted dist/. Runs on a copy of this working tree (committed and
 * uncommitted files, none of the ignored outputs), so it never touches the developer's own build.
 *
 * The rock's download cache (Debian packages, Node tarball; not a build output) is shared through
 * ROCK_CACHE_DIR so the test does not fetch them again. Timings are printed, never asserted.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ArtifactManifest, parseManifest } from "@httprequest-lego-provider/publish-charm/manifest";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256File } from "../src/sha256.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const MISSING = ["packages/rock", "packages/charm", "packages/provider"].filter(
  (dir) => !existsSync(join(REPO_ROOT, dir, "package.json")),
);
if (MISSING.length > 0) {
  console.warn(`full-build test skipped: ${MISSING.join(", ")} not in this checkout; it needs every package`);
}

interface TurboSummary {
  tasks: { taskId: string; cache: { status: string } }[];
}

let clone: string;
const timings: string[] = [];

async function pnpm(args: string[]): Promise<{ seconds: number; summary: TurboSummary }> {
  const started = performance.now();
  const result = await execa("pnpm", args, {
    cwd: clone,
    reject: false,
    all: true,
    env: {
      ROCK_CACHE_DIR: process.env.ROCK_CACHE_DIR ?? join(REPO_ROOT, "packages/rock/.cache"),
      TURBO_TELEMETRY_DISABLED: "1",
      // The outer turbo run's variables must not leak into the nested one.
      TURBO_HASH: undefined,
      TURBO_INVOCATION_DIR: undefined,
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0)
    throw new Error(`pnpm ${args.join(" ")} failed (${result.exitCode}):\n${result.all.slice(-4000)}`);
  const runs = join(clone, ".turbo", "runs");
  const files = existsSync(runs) ? (await readdir(runs)).sort() : [];
  const latest = files.at(-1);
  const summary = latest
    ? (JSON.parse(await readFile(join(runs, latest), "utf8")) as TurboSummary)
    : { tasks: [] };
  if (latest) await rm(join(runs, latest));
  return { seconds, summary };
}

/** Copies the tracked and untracked-but-not-ignored files over a shared clone of HEAD. */
async function cleanCopyOfWorkingTree(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), "full-build-")), "repo");
  await execa("git", ["clone", "--quiet", "--shared", REPO_ROOT, dir]);
  const { stdout } = await execa("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
  });
  for (const file of stdout.split("\0").filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    const info = await stat(from).catch(() => undefined);
    if (!info?.isFile()) continue;
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(from, join(dir, file));
  }
  return dir;
}

describe.skipIf(MISSING.length > 0)("pnpm build from a clean checkout", () => {
  let manifest: ArtifactManifest;

  beforeAll(async () => {
    clone = await cleanCopyOfWorkingTree();
    const install = performance.now();
    await execa("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"], { cwd: clone });
    timings.push(`pnpm install: ${((performance.now() - install) / 1000).toFixed(1)} s`);
  }, 300_000);

  afterAll(async () => {
    console.log(`full build timings:\n  ${timings.join("\n  ")}`);
    if (clone) await rm(dirname(clone), { recursive: true, force: true });
  });

  it("builds every package and writes the charm, the rock and a manifest that describes them", async () => {
    const cold = await pnpm(["build", "--summarize"]);
    timings.push(`cold pnpm build: ${cold.seconds.toFixed(1)} s (${cold.summary.tasks.length} tasks)`);
    expect(cold.summary.tasks.map((t) => t.taskId)).toEqual(
      expect.arrayContaining([
        "@httprequest-lego-provider/provider#build",
        "@httprequest-lego-provider/rock#build",
        "@httprequest-lego-provider/charm#build",
        "@httprequest-lego-provider/artifacts#build",
      ]),
    );

    const dist = join(clone, "dist");
    manifest = parseManifest(await readFile(join(dist, "manifest.json"), "utf8"), "dist/manifest.json");
    const provider = JSON.parse(await readFile(join(clone, "packages/provider/package.json"), "utf8")) as {
      version: string;
    };
    expect(manifest.version).toBe(provider.version);
    expect((await readdir(dist)).sort()).toEqual(
      [
        "httprequest-lego-provider_amd64.charm",
        "httprequest-lego-provider_amd64.charm.cdx.json",
        `httprequest-lego-provider_${provider.version}_amd64.rock`,
        `httprequest-lego-provider_${provider.version}_amd64.rock.cdx.json`,
        "manifest.json",
      ].sort(),
    );
    for (const artifact of [manifest.charm, manifest.rock, manifest.charm.sbom, manifest.rock.sbom]) {
      if (!artifact) throw new Error("dist/manifest.json lists no SBOM");
      const path = join(dist, artifact.file);
      expect((await stat(path)).size).toBe(artifact.size);
      expect(await sha256File(path)).toBe(artifact.sha256);
    }
    const { stdout: head } = await execa("git", ["rev-parse", "HEAD"], { cwd: clone });
    expect(manifest.git.revision).toBe(head.trim());

    // The rock is an image skopeo reads, with the digest the manifest records.
    const { stdout: inspected } = await execa("skopeo", [
      "inspect",
      `oci-archive:${join(dist, manifest.rock.file)}:${manifest.rock.ociTag}`,
    ]);
    expect(JSON.parse(inspected)).toMatchObject({
      Digest: manifest.rock.ociManifestDigest,
      Architecture: "amd64",
    });

    // The charm is a zip with charmcraft's layout.
    const { stdout: listing } = await execa("unzip", ["-Z1", join(dist, manifest.charm.file)]);
    expect(listing.split("\n")).toEqual(
      expect.arrayContaining(["dispatch", "metadata.yaml", "manifest.yaml"]),
    );
    const { stdout: metadata } = await execa("unzip", [
      "-p",
      join(dist, manifest.charm.file),
      "metadata.yaml",
    ]);
    expect(metadata).toMatch(/^name: httprequest-lego-provider$/m);
  }, 900_000);

  it("serves a second build entirely from turbo's cache and restores a deleted dist/", async () => {
    expect(manifest).toBeDefined();
    await rm(join(clone, "dist"), { recursive: true });
    const warm = await pnpm(["build", "--summarize"]);
    timings.push(`cached pnpm build: ${warm.seconds.toFixed(1)} s`);
    const misses = warm.summary.tasks.filter((t) => t.cache.status !== "HIT").map((t) => t.taskId);
    expect(warm.summary.tasks.length).toBeGreaterThan(0);
    expect(misses).toEqual([]);
    const restored = parseManifest(
      await readFile(join(clone, "dist/manifest.json"), "utf8"),
      "dist/manifest.json",
    );
    expect(restored).toEqual(manifest);
    expect(await sha256File(join(clone, "dist", manifest.rock.file))).toBe(manifest.rock.sha256);
  }, 300_000);
});
