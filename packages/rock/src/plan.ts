/**
 * Pure planning: which steps a build takes and what the image's config says. The I/O shells
 * (native-build.ts, rockcraft-build.ts) follow these plans.
 */
import { join } from "node:path";
import type { ImageConfigInput, LayerDescription } from "./oci/documents.js";
import { ociAnnotations } from "./rock-metadata.js";
import {
  APP_DIR,
  ARCHITECTURE,
  CLI_PATH,
  DEFAULT_PATH,
  NODE_FLAGS,
  NODE_PATH,
  PORT,
  RUN_USER,
  rockFileName,
  SERVICE_ENVIRONMENT,
} from "./rock-spec.js";

export type BuildMode = "native" | "rockcraft";

export interface BuildInputs {
  readonly repoRoot: string;
  readonly version: string;
  /** ISO 8601 UTC, from SOURCE_DATE_EPOCH or the last commit. */
  readonly created: string;
  readonly nodeVersion: string;
  readonly outDir: string;
  readonly cacheDir: string;
}

export const NATIVE_STEPS = [
  "resolve base packages",
  "base filesystem layer",
  "Node runtime layer",
  "app layer",
  "rock layer (run user, Pebble layer, metadata)",
  "image config, manifest and archive",
] as const;

export const ROCKCRAFT_STEPS = [
  "stage the app",
  "write rockcraft.yaml",
  "rockcraft pack",
  "move the archive",
] as const;

export function stepsFor(mode: BuildMode): readonly string[] {
  return mode === "native" ? NATIVE_STEPS : ROCKCRAFT_STEPS;
}

export function outputPath(inputs: Pick<BuildInputs, "outDir" | "version">): string {
  return join(inputs.outDir, rockFileName(inputs.version));
}

/** ISO 8601 without milliseconds, as image tools print it. */
export function createdFromEpoch(epochSeconds: number): string {
  if (!Number.isInteger(epochSeconds) || epochSeconds < 0) {
    throw new Error(
      `SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, got ${epochSeconds}`,
    );
  }
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The image config: outside Juju the entrypoint starts the service directly; Juju runs its own Pebble. */
export function imageConfigInput(
  inputs: Pick<BuildInputs, "version" | "created">,
  layers: readonly LayerDescription[],
): ImageConfigInput {
  return {
    created: inputs.created,
    architecture: ARCHITECTURE,
    user: String(RUN_USER.uid),
    env: [`PATH=${DEFAULT_PATH}`, ...Object.entries(SERVICE_ENVIRONMENT).map(([k, v]) => `${k}=${v}`)],
    entrypoint: [NODE_PATH, ...NODE_FLAGS, CLI_PATH],
    cmd: ["serve"],
    workingDir: APP_DIR,
    exposedPorts: [`${PORT}/tcp`],
    labels: ociAnnotations(inputs),
    layers,
  };
}
