/**
 * What image scanners and the SBOM see (decision 0321): a status.d file for every package of the
 * closure the builder resolved, an os-release naming the release, and a contents record listing
 * every Debian package and every npm package the image holds.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { resolveBasePackagesCached } from "../src/base-filesystem.js";
import { BuildCache } from "../src/cache.js";
import type { ImageContents } from "../src/contents/contents.js";
import { parseStanzas } from "../src/debian/control.js";

const rock = inject("rock");
const rootfs = rock.unpacked.rootfs;
const statusDir = join(rootfs, "var/lib/dpkg/status.d");

async function closure() {
  return (await resolveBasePackagesCached(new BuildCache(rock.inputs.cacheDir))).packages;
}

async function contents(): Promise<ImageContents> {
  const path = rock.result.contents?.path;
  if (!path) throw new Error("the native build wrote no contents record");
  return JSON.parse(await readFile(path, "utf8")) as ImageContents;
}

/** Every package.json of a real package directory in the image's pnpm store (not the symlinks to them). */
async function npmInImage(): Promise<string[]> {
  const store = join(rootfs, "app/node_modules/.pnpm");
  const found = new Set<string>();
  for (const entry of await readdir(store)) {
    const modules = join(store, entry, "node_modules");
    if (!(await lstat(modules).catch(() => undefined))?.isDirectory()) continue;
    for (const child of await readdir(modules)) {
      const dirs = child.startsWith("@")
        ? (await readdir(join(modules, child))).map((n) => join(modules, child, n))
        : [join(modules, child)];
      for (const dir of dirs) {
        if ((await lstat(dir)).isSymbolicLink()) continue;
        const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
          name: string;
          version: string;
        };
        found.add(`${pkg.name}@${pkg.version}`);
      }
    }
  }
  return [...found].sort();
}

describe("the image, as scanners read it", () => {
  it("records every package of the closure in /var/lib/dpkg/status.d with its version, installed", async () => {
    const packages = await closure();
    expect((await readdir(statusDir)).sort()).toEqual(packages.map((p) => p.name).sort());
    for (const p of packages) {
      const [stanza] = parseStanzas(await readFile(join(statusDir, p.name), "utf8"));
      expect(stanza).toMatchObject({
        Package: p.name,
        Version: p.version,
        Architecture: p.architecture,
        Status: "install ok installed",
      });
    }
  });

  it("says which Debian release it is, as base-files does", async () => {
    const osRelease = await readFile(join(rootfs, "etc/os-release"), "utf8");
    expect(osRelease).toMatch(/^ID=debian$/m);
    const version = /^VERSION_ID="(\d+)"$/m.exec(osRelease)?.[1];
    expect((await contents()).distro).toBe(`debian-${version}`);
  });

  it("lists the closure, the Node runtime and every npm package of /app in the contents record", async () => {
    const record = await contents();
    const packages = await closure();
    expect(record.debian.map((d) => `${d.name}=${d.version}`)).toEqual(
      packages.map((p) => `${p.name}=${p.version}`),
    );
    const libc = record.debian.find((d) => d.name === "libc6");
    expect(libc?.source).toBe("glibc");
    expect(record.node.version).toBe(rock.inputs.nodeVersion);
    expect(record.app.npm.map((p) => `${p.name}@${p.version}`).sort()).toEqual(await npmInImage());
    expect(record.app.npm.map((p) => p.name)).toEqual(expect.arrayContaining(["express", "knex", "pg"]));
  });
});
