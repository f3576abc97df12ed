import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Unpacked {
  readonly dir: string;
  readonly bundle: string;
  readonly rootfs: string;
  cleanup(): Promise<void>;
}

/** `skopeo copy` into an OCI layout (re-verifying every digest), then `umoci unpack` as root keeps owners. */
export async function unpackRock(rockPath: string, tag: string): Promise<Unpacked> {
  const dir = await mkdtemp(join(tmpdir(), "rock-unpack-"));
  const layout = join(dir, "layout");
  const bundle = join(dir, "bundle");
  execFileSync("skopeo", [
    "--insecure-policy",
    "copy",
    "--quiet",
    `oci-archive:${rockPath}:${tag}`,
    `oci:${layout}:${tag}`,
  ]);
  const rootless = process.getuid?.() === 0 ? [] : ["--rootless"];
  execFileSync("umoci", ["unpack", ...rootless, "--image", `${layout}:${tag}`, bundle], { stdio: "pipe" });
  return {
    dir,
    bundle,
    rootfs: join(bundle, "rootfs"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
