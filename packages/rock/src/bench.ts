#!/usr/bin/env node
/**
 * Prints build times: cold (empty layer cache; downloads reused so the figure is about the builder,
 * not the network), then warm (everything cached but the app and rock layers).
 */
import { mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readInputs } from "./inputs.js";
import { buildNative } from "./native-build.js";
import { consoleProgress, formatBytes } from "./progress.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(
    "Usage: node packages/rock/lib/bench.js (or pnpm --filter @httprequest-lego-provider/rock bench)\n\nBuilds the rock cold and warm in a temporary cache and prints the times.\n",
  );
  process.exit(0);
}

const inputs = await readInputs({});
const work = await mkdtemp(join(tmpdir(), "rock-bench-"));
try {
  const cacheDir = join(work, "cache");
  await mkdir(join(cacheDir, "node"), { recursive: true });
  await mkdir(join(inputs.cacheDir, "debs"), { recursive: true });
  await symlink(join(inputs.cacheDir, "debs"), join(cacheDir, "debs"));
  for (const name of await readdir(join(inputs.cacheDir, "node")).catch(() => [] as string[])) {
    if (name.endsWith(".tgz"))
      await symlink(join(inputs.cacheDir, "node", name), join(cacheDir, "node", name));
  }
  const quiet = consoleProgress(6, () => {});
  const rows: string[] = [];
  for (const label of ["cold (empty layer cache)", "warm (app and rock layers only)"]) {
    const started = performance.now();
    const result = await buildNative({ ...inputs, cacheDir, outDir: join(work, "out") }, quiet);
    const seconds = (performance.now() - started) / 1000;
    rows.push(
      `${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s  ${formatBytes(result.size)}  ${result.manifestDigest}`,
    );
  }
  process.stdout.write(`${rows.join("\n")}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
