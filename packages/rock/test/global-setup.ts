/**
 * Builds the image once for every test file (warm cache: seconds; cold: about a minute) and shares its
 * path and result through vitest's provide/inject.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { PACKAGE_DIR, readInputs } from "../src/inputs.js";
import { type BuildResult, buildNative } from "../src/native-build.js";
import type { BuildInputs } from "../src/plan.js";
import { consoleProgress } from "../src/progress.js";
import { ensureTestTools } from "./support/system-tools.js";
import { unpackRock } from "./support/unpack.js";

export interface RockFixture {
  readonly inputs: BuildInputs;
  readonly result: BuildResult;
  readonly seconds: number;
  /** The image unpacked once by skopeo + umoci, shared by the test files (they must not change it, except below /tmp and the data directory). */
  readonly unpacked: { readonly dir: string; readonly bundle: string; readonly rootfs: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    rock: RockFixture;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureTestTools();
  const outDir = join(PACKAGE_DIR, "test-artifacts", "image");
  await mkdir(outDir, { recursive: true });
  const inputs = await readInputs({ outDir });
  const started = performance.now();
  const result = await buildNative(
    inputs,
    consoleProgress(6, (line) => process.stderr.write(`[rock] ${line}\n`)),
  );
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`[rock] built ${result.path} in ${seconds.toFixed(1)} s, ${result.size} bytes\n`);
  const unpacked = await unpackRock(result.path, inputs.version);
  project.provide("rock", {
    inputs,
    result,
    seconds,
    unpacked: { dir: unpacked.dir, bundle: unpacked.bundle, rootfs: unpacked.rootfs },
  });
  return () => unpacked.cleanup();
}
