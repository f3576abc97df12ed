/**
 * Pods for the charm-on-the-rock test: each one a fresh copy of an unpacked image's root (a container's
 * writable layer, thrown away with the pod), with the host directories it must see mounted into it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RealWorkload } from "../../../../packages/charm/test/harness.js";
import { RootfsWorkload } from "./rootfs-workload.js";

/** What every pod sees from the host: PostgreSQL's socket directory and the shared bare repository. */
export interface PodMounts {
  readonly postgresSocketDir: string;
  readonly remoteDir: string;
}

export const POD_POSTGRES_DIR = "/run/postgresql";
export const POD_REMOTE_DIR = "/srv/remote";

export interface Pod extends RealWorkload {
  readonly workload: RootfsWorkload;
}

/** A new pod from `image` (an unpacked root filesystem), in `dir`. */
export function newPod(image: string, dir: string, mounts: PodMounts): Pod {
  // A full copy, not hard links: the charm writes files in place through Pebble.
  execFileSync("cp", ["-a", "--reflink=auto", image, dir]);
  mkdirSync(join(dir, POD_POSTGRES_DIR.slice(1)), { recursive: true });
  mkdirSync(join(dir, POD_REMOTE_DIR.slice(1)), { recursive: true });
  const workload = new RootfsWorkload(dir, [
    { source: mounts.postgresSocketDir, target: POD_POSTGRES_DIR },
    { source: mounts.remoteDir, target: POD_REMOTE_DIR },
  ]);
  return {
    root: dir,
    exec: workload.exec,
    services: workload,
    workload,
    imageLayer: readFileSync(
      join(dir, "var/lib/pebble/default/layers/001-httprequest-lego-provider.yaml"),
      "utf8",
    ),
  };
}
