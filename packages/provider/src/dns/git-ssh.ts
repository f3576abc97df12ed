/**
 * Everything ssh needs for an ssh remote: the private key and known_hosts written 0600 under the
 * data directory, and a `GIT_SSH_COMMAND` that verifies host keys strictly and keeps one
 * connection open across pushes (a fresh ssh handshake costs several hundred ms per push).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SshEndpoint } from "./git-remote.js";

export interface SshSecrets {
  /** Private key text (APP_GIT_SSH_KEY). */
  readonly sshKey?: string | undefined;
  /** Path to a private key (APP_GIT_SSH_KEY_FILE); copied so its mode can be 0600. */
  readonly sshKeyFile?: string | undefined;
  /** known_hosts text (APP_GIT_KNOWN_HOSTS). */
  readonly knownHosts?: string | undefined;
  /** Path to a known_hosts file (APP_GIT_KNOWN_HOSTS_FILE). */
  readonly knownHostsFile?: string | undefined;
}

export interface SshSetup {
  /** Environment for git: GIT_SSH_COMMAND and GIT_SSH_VARIANT. */
  readonly env: Readonly<Record<string, string>>;
  readonly controlPath: string;
  /** Ends the shared connection (the ControlPersist master). */
  close(): Promise<void>;
}

/** The ssh settings are missing or unusable; the message names the setting. */
export class SshConfigError extends Error {
  override readonly name = "SshConfigError";
}

/** How long an idle shared connection stays open. */
export const CONTROL_PERSIST_SECONDS = 300;
/**
 * sun_path is 108 bytes on Linux and 104 on BSDs; ssh also appends a 17-byte temporary suffix
 * while it creates the socket. Stay below both.
 */
const MAX_CONTROL_PATH_BYTES = 104 - 1 - 17;

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Key text as ssh wants it: LF line ends and a final newline (ssh rejects a key without one). */
function normaliseKey(text: string): string {
  const lf = text.replace(/\r\n?/g, "\n").trim();
  return `${lf}\n`;
}

async function pickSecret(
  text: string | undefined,
  file: string | undefined,
  what: string,
  names: string,
): Promise<string> {
  if (text !== undefined && text.trim() !== "") return text;
  if (file !== undefined && file !== "") {
    try {
      return await readFile(file, "utf8");
    } catch (err) {
      throw new SshConfigError(
        `cannot read the ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  throw new SshConfigError(`an ssh DNS repository needs ${what}: set ${names}`);
}

/** The ssh argv (without the host) used for git and for controlling the shared connection. */
export function sshOptions(keyPath: string, knownHostsPath: string, controlPath: string): string[] {
  return [
    "-F",
    "/dev/null",
    "-i",
    keyPath,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHostsPath}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "ControlMaster=auto",
    "-o",
    `ControlPersist=${CONTROL_PERSIST_SECONDS}`,
    "-o",
    `ControlPath=${controlPath}`,
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=2",
  ];
}

export async function prepareSsh(
  dataDir: string,
  endpoint: SshEndpoint,
  secrets: SshSecrets,
): Promise<SshSetup> {
  const key = await pickSecret(
    secrets.sshKey,
    secrets.sshKeyFile,
    "a private key",
    "APP_GIT_SSH_KEY or APP_GIT_SSH_KEY_FILE",
  );
  const knownHosts = await pickSecret(
    secrets.knownHosts,
    secrets.knownHostsFile,
    "the server's host key",
    "APP_GIT_KNOWN_HOSTS or APP_GIT_KNOWN_HOSTS_FILE (known_hosts lines; for a port other than 22 the host is written [host]:port)",
  );
  const dir = join(dataDir, "ssh");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keyPath = join(dir, "id");
  const knownHostsPath = join(dir, "known_hosts");
  // Write then chmod: the mode option of writeFile only applies when the file is created.
  await writeFile(keyPath, normaliseKey(key), { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(knownHostsPath, normaliseKey(knownHosts), { mode: 0o600 });
  await chmod(knownHostsPath, 0o600);

  // One socket per endpoint+key, so a master left by an earlier configuration is never reused
  // for a different server.
  const tag = createHash("sha256")
    .update(`${endpoint.user ?? ""}@${endpoint.host}:${endpoint.port ?? 22}\n${key}`)
    .digest("hex")
    .slice(0, 12);
  let controlDir = dir;
  let privateTmp: string | undefined;
  if (Buffer.byteLength(join(dir, `cm-${tag}`)) > MAX_CONTROL_PATH_BYTES) {
    privateTmp = await mkdtemp(join(tmpdir(), "hlp-ssh-"));
    await chmod(privateTmp, 0o700);
    controlDir = privateTmp;
  }
  const controlPath = join(controlDir, `cm-${tag}`);
  // A socket left by a crashed process would make ssh skip multiplexing; start clean.
  await rm(controlPath, { force: true });

  const options = sshOptions(keyPath, knownHostsPath, controlPath);
  const command = ["ssh", ...options].map(shellQuote).join(" ");
  const target = `${endpoint.user === undefined ? "" : `${endpoint.user}@`}${endpoint.host.replace(/^\[|\]$/g, "")}`;
  const portArgs = endpoint.port === undefined ? [] : ["-p", String(endpoint.port)];
  return {
    env: { GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: "ssh" },
    controlPath,
    close: async () => {
      await new Promise<void>((resolve) => {
        // "--": the destination is never an option, whatever it begins with.
        execFile("ssh", [...options, ...portArgs, "-O", "exit", "--", target], { timeout: 5000 }, () =>
          resolve(),
        );
      });
      if (privateTmp !== undefined) await rm(privateTmp, { recursive: true, force: true });
    },
  };
}
