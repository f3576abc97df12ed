import { mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { buildNative } from "../src/native-build.js";
import { consoleProgress } from "../src/progress.js";

const rock = inject("rock");

describe("reproducibility", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("gives the same layer, config and manifest digests when every layer is rebuilt from scratch", async () => {
    const work = await mkdtemp(join(tmpdir(), "rock-repro-"));
    dirs.push(work);
    const cacheDir = join(work, "cache");
    await mkdir(join(cacheDir, "node"), { recursive: true });
    // Share only the downloads (Debian packages, Node tarball) and the package list resolved from the same
    // apt indexes; every layer is assembled and compressed again.
    await symlink(join(rock.inputs.cacheDir, "debs"), join(cacheDir, "debs"));
    await symlink(join(rock.inputs.cacheDir, "resolutions"), join(cacheDir, "resolutions"));
    for (const name of await readdir(join(rock.inputs.cacheDir, "node"))) {
      if (name.endsWith(".tgz"))
        await symlink(join(rock.inputs.cacheDir, "node", name), join(cacheDir, "node", name));
    }
    const second = await buildNative(
      { ...rock.inputs, cacheDir, outDir: join(work, "out") },
      consoleProgress(6, (line) => process.stderr.write(`[rebuild] ${line}\n`)),
    );
    expect(second.layers.map((l) => l.cached)).toEqual([false, false, false, false]);
    const byName = (layers: typeof second.layers) =>
      Object.fromEntries(layers.map((l) => [l.name, l.diffId]));
    expect(byName(second.layers)).toEqual(byName(rock.result.layers));
    expect(second.layers.map((l) => l.digest)).toEqual(rock.result.layers.map((l) => l.digest));
    expect(second.manifestDigest).toBe(rock.result.manifestDigest);
    expect(second.archiveDigest).toBe(rock.result.archiveDigest);
  });
});
