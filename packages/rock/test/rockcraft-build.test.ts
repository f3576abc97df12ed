/**
 * The rockcraft path's shell (stage the app, write rockcraft.yaml, run `rockcraft pack` in the project
 * directory, collect <name>_<version>_<arch>.rock). rockcraft cannot run here (no snap store, no LXD), so a
 * stand-in on PATH accepts exactly the documented `rockcraft pack` call and writes an archive where
 * rockcraft would: next to rockcraft.yaml. It copies the natively built rock, so the result is a real image.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { consoleProgress } from "../src/progress.js";
import { buildWithRockcraft } from "../src/rockcraft-build.js";

const rock = inject("rock");

const STAND_IN = `#!/bin/sh
set -e
[ "$*" = "pack --verbosity brief" ] || { echo "unexpected arguments: $*" >&2; exit 64; }
[ -f rockcraft.yaml ] || { echo "no rockcraft.yaml in $PWD" >&2; exit 65; }
[ -f app/dist/cli.js ] && [ -f app/package.json ] || { echo "app not staged" >&2; exit 66; }
echo "Packed $ROCK_FILE"
cp "$ROCK_FIXTURE" "$ROCK_FILE"
`;

describe("rockcraft path", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("stages the app, writes rockcraft.yaml, runs rockcraft pack there and moves the .rock to the output", async () => {
    const work = await mkdtemp(join(tmpdir(), "rock-rockcraft-"));
    dirs.push(work);
    const bin = join(work, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "rockcraft"), STAND_IN);
    await chmod(join(bin, "rockcraft"), 0o755);
    const saved = {
      PATH: process.env.PATH,
      ROCK_FIXTURE: process.env.ROCK_FIXTURE,
      ROCK_FILE: process.env.ROCK_FILE,
    };
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.ROCK_FIXTURE = rock.result.path;
    process.env.ROCK_FILE = `httprequest-lego-provider_${rock.inputs.version}_amd64.rock`;
    try {
      const cacheDir = join(work, "cache");
      const lines: string[] = [];
      const result = await buildWithRockcraft(
        { ...rock.inputs, cacheDir, outDir: join(work, "out") },
        consoleProgress(4, (line) => lines.push(line)),
      );
      expect(result.path).toBe(
        join(work, "out", `httprequest-lego-provider_${rock.inputs.version}_amd64.rock`),
      );
      expect(result.manifestDigest).toBe(rock.result.manifestDigest);
      expect(lines.filter((l) => l.includes("done in"))).toHaveLength(4);
      const project = parse(
        await readFile(join(cacheDir, "rockcraft-project", "rockcraft.yaml"), "utf8"),
      ) as Record<string, unknown>;
      expect(project).toMatchObject({
        name: "httprequest-lego-provider",
        version: rock.inputs.version,
        base: "ubuntu@24.04",
      });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
