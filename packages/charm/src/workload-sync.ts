import { createHmac } from "node:crypto";
import type { CharmConfig } from "./config.js";
import type { PebbleClient } from "./pebble/client.js";
import { ExecError, PebbleChangeError } from "./pebble/errors.js";
import {
  cli,
  KNOWN_HOSTS_PATH,
  PACKAGE_JSON_PATH,
  RUN_GID,
  RUN_UID,
  SSH_DIR,
  SSH_KEY_PATH,
  WORKING_DIR,
} from "./workload.js";

export class HostKeyError extends Error {
  override readonly name = "HostKeyError";
}

const OWNED = { userId: RUN_UID, groupId: RUN_GID, permissions: 0o600 };

async function pushIfChanged(pebble: PebbleClient, path: string, content: string): Promise<boolean> {
  const current = await pebble.pullIfExists(path);
  if (current?.toString("utf8") === content) return false;
  await pebble.push(path, content, OWNED);
  return true;
}

/** The first line of a known_hosts file the charm scanned, naming what it scanned. */
export function keyscanMarker(host: string, port: number): string {
  return `# ssh-keyscan ${host}:${port}`;
}

/** What the known_hosts file holds when the charm scanned it rather than the operator set it. */
export interface ScannedHostKeys {
  host: string;
  port: number;
  knownHosts: string;
  /** Whether this event scanned (rather than reusing an earlier scan). */
  fresh: boolean;
}

/** What the service will read from the charm's files: each path with its content. */
export interface SshFiles {
  files: Record<string, string>;
  /** Set when the host key came from ssh-keyscan rather than git-known-hosts. */
  scanned?: ScannedHostKeys;
}

/**
 * SSH key and known_hosts for an ssh remote, 0600 and owned by the run user, written only when
 * different. Without `git-known-hosts` the host key is scanned once from inside the workload
 * (as the Django charm did) and kept until the repository's host or port changes; what was
 * trusted that way is returned so the charm can say so. The contents come back too: the service
 * reads them once, so the layer carries their digest (docs/decisions/0323).
 */
export async function ensureSshFiles(
  pebble: PebbleClient,
  config: CharmConfig,
  sshKey: string | undefined,
): Promise<SshFiles> {
  const repo = config.gitRepo;
  if (repo?.transport !== "ssh" || !sshKey || !repo.host) return { files: {} };
  await pebble.makeDir(SSH_DIR, { permissions: 0o700, userId: RUN_UID, groupId: RUN_GID });
  await pushIfChanged(pebble, SSH_KEY_PATH, sshKey);
  if (config.gitKnownHosts) {
    await pushIfChanged(pebble, KNOWN_HOSTS_PATH, config.gitKnownHosts);
    return { files: { [SSH_KEY_PATH]: sshKey, [KNOWN_HOSTS_PATH]: config.gitKnownHosts } };
  }
  const port = repo.port ?? 22;
  const marker = keyscanMarker(repo.host, port);
  const current = (await pebble.pullIfExists(KNOWN_HOSTS_PATH))?.toString("utf8");
  if (current?.startsWith(`${marker}\n`)) {
    return {
      files: { [SSH_KEY_PATH]: sshKey, [KNOWN_HOSTS_PATH]: current },
      scanned: { host: repo.host, port, knownHosts: current, fresh: false },
    };
  }
  let scanned: string;
  try {
    const result = await pebble.exec(["ssh-keyscan", "-T", "10", "-p", String(port), repo.host], {
      timeoutMs: 30_000,
    });
    scanned = result.stdout;
  } catch (err) {
    if (err instanceof ExecError) scanned = err.stdout;
    else throw err;
  }
  const lines = scanned.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  if (lines.length === 0) {
    throw new HostKeyError(
      `ssh-keyscan found no host key for ${repo.host}:${port}; check git-repo or set git-known-hosts`,
    );
  }
  const knownHosts = `${marker}\n${lines.join("\n")}\n`;
  await pebble.push(KNOWN_HOSTS_PATH, knownHosts, OWNED);
  return {
    files: { [SSH_KEY_PATH]: sshKey, [KNOWN_HOSTS_PATH]: knownHosts },
    scanned: { host: repo.host, port, knownHosts, fresh: true },
  };
}

/** The provider's version from the image's /app/package.json ("unknown" when unreadable). */
export async function workloadVersion(pebble: PebbleClient): Promise<string> {
  const raw = await pebble.pullIfExists(PACKAGE_JSON_PATH);
  if (!raw) return "unknown";
  try {
    const version = (JSON.parse(raw.toString("utf8")) as { version?: unknown }).version;
    return typeof version === "string" && /^[0-9A-Za-z.+-]{1,64}$/.test(version) ? version : "unknown";
  } catch {
    return "unknown";
  }
}

/** Which database and workload version were migrated; keyed so the marker reveals no credential. */
export function migrationFingerprint(secretKey: string, databaseUrl: string, version: string): string {
  return createHmac("sha256", secretKey).update(`${databaseUrl}\n${version}`).digest("hex");
}

/** Runs `cli migrate` in the workload; returns the error text on failure. */
export async function runMigrations(
  pebble: PebbleClient,
  environment: Record<string, string>,
): Promise<string | undefined> {
  try {
    await pebble.exec(cli("migrate"), {
      environment,
      workingDir: WORKING_DIR,
      userId: RUN_UID,
      groupId: RUN_GID,
      timeoutMs: 300_000,
    });
    return undefined;
  } catch (err) {
    if (err instanceof ExecError) {
      const lines = (err.stderr || err.stdout).trim().split("\n");
      return lines[lines.length - 1] || `exit code ${err.exitCode}`;
    }
    if (err instanceof PebbleChangeError) return err.err;
    throw err;
  }
}
