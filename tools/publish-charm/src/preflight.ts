/**
 * Everything that must hold before the first upload, checked together so the operator sees every
 * problem at once and nothing half-published is left on Charmhub.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { ArtifactManifest } from "./manifest.js";
import type { ImageSource, PublishPlan } from "./plan.js";
import { findOnPath } from "./which.js";

export const AUTH_ENV = "CHARMCRAFT_AUTH";

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Problems with the built files: a real run and a dry run both stop on these. */
export async function checkArtifacts(manifest: ArtifactManifest, plan: PublishPlan): Promise<string[]> {
  const problems: string[] = [];
  const artifacts = [
    { path: plan.charmPath, expected: manifest.charm },
    { path: plan.rockPath, expected: manifest.rock },
  ];
  for (const { path, expected } of artifacts) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      problems.push(`${path} is missing; run \`pnpm build\` to build it`);
    } else if (info.size !== expected.size || (await sha256File(path)) !== expected.sha256) {
      problems.push(`${path} changed after the build wrote manifest.json; run \`pnpm build\` again`);
    }
  }
  return problems;
}

/** Problems with the tools and credentials: a real run stops on these; a dry run only warns. */
export async function checkEnvironment(env: NodeJS.ProcessEnv, imageSource: ImageSource): Promise<string[]> {
  const problems: string[] = [];
  if (!(await findOnPath("charmcraft", env))) {
    problems.push(
      "charmcraft is not on PATH; install it with `sudo snap install charmcraft --classic` (3.1 or newer)",
    );
  }
  if (!env[AUTH_ENV]?.trim()) {
    problems.push(
      `${AUTH_ENV} is not set; create credentials with \`charmcraft login --export=charmhub-creds.txt\` and run \`export ${AUTH_ENV}=$(cat charmhub-creds.txt)\` (in CI, store it as a secret)`,
    );
  }
  if (imageSource === "docker-daemon") {
    for (const [tool, install] of [
      ["skopeo", "apt-get install skopeo"],
      ["docker", "install Docker, or use --image-source=archive with charmcraft 3.1+"],
    ] as const) {
      if (!(await findOnPath(tool, env))) {
        problems.push(`${tool} is not on PATH (needed by --image-source=docker-daemon); ${install}`);
      }
    }
  }
  return problems;
}
