/** Facts about the workload image (the rock) that the charm relies on. */
export const CONTAINER = "app";
export const SERVICE = "httprequest-lego-provider";
export const LAYER_LABEL = "httprequest-lego-provider-charm";
export const PORT = 8080;
export const RUN_USER = "_daemon_";
export const RUN_UID = 584792;
export const RUN_GID = 584792;
export const NODE = "/usr/bin/node";
export const CLI = "/app/dist/cli.js";
/** V8 flags the service starts with; the same as the provider's SERVICE_NODE_FLAGS (a test checks). */
export const NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=4",
  "--heap-growing-percent=20",
  "--liftoff-only",
];
/** glibc's malloc settings the service starts with; the same as the provider's SERVICE_ENVIRONMENT (a test checks). */
export const MALLOC_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "131072",
};
export const WORKING_DIR = "/app";
export const DATA_DIR = "/var/lib/httprequest-lego-provider";
/** The charm's files live apart from the service's own state in APP_DATA_DIR. */
export const SSH_DIR = `${DATA_DIR}/charm-ssh`;
export const SSH_KEY_PATH = `${SSH_DIR}/git_key`;
export const KNOWN_HOSTS_PATH = `${SSH_DIR}/known_hosts`;
export const PACKAGE_JSON_PATH = "/app/package.json";
/** `alive`-level check on /healthz: the process answers (Kubernetes' liveness probe follows it). */
export const HEALTH_CHECK = "healthz";
/** `ready`-level check on /readyz: the database and the git remote answer (readiness probe). */
export const READY_CHECK = "readyz";

/** The provider's CLI inside the container, as an argv. */
export function cli(...args: string[]): string[] {
  return [NODE, CLI, ...args];
}

/**
 * Where the charm container sees a workload's Pebble socket (Juju mounts it there).
 * HLP_CHARM_CONTAINERS_DIR exists only so tests can point the dispatcher at a Pebble double.
 */
export function pebbleSocketPath(env: NodeJS.ProcessEnv, container = CONTAINER): string {
  const base = env.HLP_CHARM_CONTAINERS_DIR || "/charm/containers";
  return `${base}/${container}/pebble.socket`;
}
