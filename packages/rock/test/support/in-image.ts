/**
 * Runs a program from an unpacked image root as uid 584792, the way a container runtime would: in new
 * mount and pid namespaces, with /dev and /proc mounted, then chroot. Needs root; shares the host's
 * network namespace, so servers must listen on 127.0.0.1.
 */
const SCRIPT = [
  "set -e",
  'root="$1"; shift',
  'mount --rbind /dev "$root/dev"',
  'mount -t proc proc "$root/proc"',
  'exec chroot --userspec=584792:584792 "$root" "$@"',
].join("\n");

export function inImage(rootfs: string, argv: readonly string[]): { file: string; args: string[] } {
  return {
    file: "unshare",
    args: [
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      "--",
      "sh",
      "-c",
      SCRIPT,
      "in-image",
      rootfs,
      ...argv,
    ],
  };
}

/** The environment a service sees in the image (no host variables leak in). */
export function imageEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    NODE_ENV: "production",
    APP_DATA_DIR: "/var/lib/httprequest-lego-provider",
    HOME: "/var/lib/pebble/default",
    ...extra,
  };
}
