/** The rockcraft path: same app, same service, packed by `rockcraft pack` (not reproducible upstream). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isPrunedAppPath, PROVIDER_PACKAGE, ProviderNotBuiltError } from "./app-layer.js";
import { BuildCache } from "./cache.js";
import { pnpmDeployProd, rockcraftPack } from "./commands.js";
import { run } from "./exec.js";
import { walkTree } from "./layer/walk.js";
import type { BuildResult } from "./native-build.js";
import { fetchNodeTarball } from "./node-runtime.js";
import { manifestDigestOf } from "./oci/read-archive.js";
import { type BuildInputs, outputPath } from "./plan.js";
import { formatBytes, type Progress } from "./progress.js";
import { rockFileName } from "./rock-spec.js";
import { rockcraftYaml } from "./rockcraft/project.js";

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function buildWithRockcraft(inputs: BuildInputs, progress: Progress): Promise<BuildResult> {
  const cache = new BuildCache(inputs.cacheDir);
  const project = join(inputs.cacheDir, "rockcraft-project");
  const cli = join(inputs.repoRoot, "packages/provider/dist/cli.js");
  if (!(await stat(cli).catch(() => undefined))) throw new ProviderNotBuiltError(cli);

  progress.step("stage the app");
  await rm(join(project, "app"), { recursive: true, force: true });
  await mkdir(project, { recursive: true });
  await run(pnpmDeployProd(inputs.repoRoot, PROVIDER_PACKAGE, join(project, "app")));
  for (const node of await walkTree(join(project, "app"))) {
    if (node.kind === "file" && isPrunedAppPath(`app/${node.relPath}`)) await unlink(node.absPath);
  }
  progress.done();

  progress.step("write rockcraft.yaml");
  const tgz = await fetchNodeTarball(cache, inputs.nodeVersion);
  const yaml = rockcraftYaml({
    version: inputs.version,
    nodeVersion: inputs.nodeVersion,
    nodeTarballSha256: await sha256File(tgz),
    appSource: "app",
  });
  await writeFile(join(project, "rockcraft.yaml"), yaml);
  progress.done(join(project, "rockcraft.yaml"));

  progress.step("rockcraft pack");
  await run(rockcraftPack(project), { stream: true });
  progress.done();

  progress.step("move the archive");
  const packed = join(project, rockFileName(inputs.version));
  if (!(await readdir(project)).includes(rockFileName(inputs.version))) {
    throw new Error(`rockcraft pack did not write ${packed}`);
  }
  const path = outputPath(inputs);
  await mkdir(inputs.outDir, { recursive: true });
  await rename(packed, path);
  const size = (await stat(path)).size;
  progress.done(formatBytes(size));
  return {
    path,
    manifestDigest: await manifestDigestOf(path, inputs.version),
    archiveDigest: `sha256:${await sha256File(path)}`,
    size,
    layers: [],
    largestPackages: [],
  };
}
