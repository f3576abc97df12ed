/**
 * Runs a program from an unpacked image root, the way a container runtime would: in new mount and pid
 * namespaces, with /dev and /proc mounted, then chroot, chdir and drop to the image's user (uid 584792
 * unless told otherwise). Needs root. By default it shares the host's network namespace, so servers must
 * listen on 127.0.0.1; `ownNetwork` gives the program a namespace of its own with only loopback up (a pod's).
 * The charm's tests (tools/artifacts) run the charm's Pebble exec and services through this too.
 */
const SCRIPT = [
  "set -e",
  'root="$1"; uid="$2"; gid="$3"; dir="$4"; net="$5"; binds="$6"; shift 6',
  'mount --rbind /dev "$root/dev"',
  'mount -t proc proc "$root/proc"',
  // Host directories the program must see (a socket directory, a shared repository): "src=dst;src=dst".
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  'IFS=";"; for pair in $binds; do mount --bind "${pair%%=*}" "$root${pair#*=}"; done; unset IFS',
  // The host's ip, before the root changes: the image need not ship it.
  '[ "$net" = own ] && ip link set lo up',
  'exec unshare --root="$root" --wd="$dir" --setgid="$gid" --setuid="$uid" -- "$@"',
].join("\n");

export interface InImageOptions {
  readonly uid?: number;
  readonly gid?: number;
  readonly workingDir?: string;
  /** A fresh network namespace with loopback up, instead of the host's. */
  readonly ownNetwork?: boolean;
  /** Host paths bind-mounted at paths inside the image (the target must exist in the root). */
  readonly binds?: readonly { readonly source: string; readonly target: string }[];
}

export const IMAGE_UID = 584792;

export function inImage(
  rootfs: string,
  argv: readonly string[],
  options: InImageOptions = {},
): { file: string; args: string[] } {
  const uid = options.uid ?? IMAGE_UID;
  const binds = (options.binds ?? []).map((b) => `${b.source}=${b.target}`).join(";");
  return {
    file: "unshare",
    args: [
      "--mount",
      "--pid",
      ...(options.ownNetwork ? ["--net"] : []),
      "--fork",
      "--kill-child",
      "--",
      "sh",
      "-c",
      SCRIPT,
      "in-image",
      rootfs,
      String(uid),
      String(options.gid ?? uid),
      options.workingDir ?? "/",
      options.ownNetwork ? "own" : "host",
      binds,
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
