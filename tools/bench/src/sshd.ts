/**
 * The ssh half of the bench: the shared loopback sshd, logging in a plain-shell account that owns
 * the bench's repositories.
 */
import { chmod } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import { type LoopbackSshd, startLoopbackSshd } from "@httprequest-lego-provider/loopback-sshd";
import { run } from "./exec.js";

/** The shared loopback sshd, logging in `user`, which owns what `grant` is given. */
export interface Sshd
  extends Pick<
    LoopbackSshd,
    "port" | "user" | "knownHosts" | "knownHostsFile" | "clientKey" | "clientKeyFile" | "stop"
  > {
  /** Makes these repositories (and the path to them) usable by the ssh user. */
  grant(...paths: string[]): Promise<void>;
}

/**
 * The account the ssh remote is reached as. A git server's account has a plain shell; root's
 * here runs ~/.bashrc (pyenv, ~370 ms) on every ssh session, which would be measured as git.
 */
export const SSH_GIT_USER = "hlp-bench-git";

async function sshUser(): Promise<string> {
  if (process.getuid?.() !== 0) return userInfo().username;
  try {
    await run(["id", "-u", SSH_GIT_USER]);
  } catch {
    await run([
      "useradd",
      "--system",
      "--shell",
      "/bin/sh",
      "--home-dir",
      "/",
      "--no-create-home",
      SSH_GIT_USER,
    ]);
  }
  // No password, but not locked: sshd without PAM refuses locked ("!") accounts even for keys.
  await run(["usermod", "--password", "*", SSH_GIT_USER]);
  return SSH_GIT_USER;
}

export async function startSshd(dir: string): Promise<Sshd> {
  const user = await sshUser();
  // Many concurrent pushes open many sessions at once.
  const sshd = await startLoopbackSshd(dir, {
    user,
    extraConfig: ["MaxStartups 200:30:400", "MaxSessions 100"],
  });
  // The server reads authorized_keys as that user.
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    if (d.startsWith("/tmp/") || d === dir) await chmod(d, 0o711).catch(() => undefined);
  }
  await chmod(sshd.authorizedKeysFile, 0o644);
  return {
    grant: async (...paths: string[]) => {
      for (const p of paths) {
        if (user !== userInfo().username) await run(["chown", "-R", `${user}:`, p]);
        for (let d = dirname(p); d.startsWith("/tmp/"); d = dirname(d))
          await chmod(d, 0o711).catch(() => undefined);
      }
    },
    port: sshd.port,
    user,
    knownHosts: sshd.knownHosts,
    knownHostsFile: sshd.knownHostsFile,
    clientKey: sshd.clientKey,
    clientKeyFile: sshd.clientKeyFile,
    stop: () => sshd.stop(),
  };
}
