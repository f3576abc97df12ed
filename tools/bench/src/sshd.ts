/**
 * A private OpenSSH server on 127.0.0.1 (own config, host key and authorized_keys in the scratch
 * dir), run in the foreground as a child, for the ssh half of the bench.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import { run } from "./exec.js";
import { freePort } from "./ports.js";

export interface Sshd {
  /** Makes these repositories (and the path to them) usable by the ssh user. */
  grant(...paths: string[]): Promise<void>;
  readonly port: number;
  readonly user: string;
  readonly knownHosts: string;
  readonly knownHostsFile: string;
  readonly clientKey: string;
  readonly clientKeyFile: string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The account the ssh remote is reached as. A git server's account has a plain shell; root's
 * here runs ~/.bashrc (pyenv, ~370 ms) on every ssh session, which would be measured as git.
 */
export const SSH_GIT_USER = "hlp-bench-git";

async function sshUser(): Promise<string> {
  if (process.getuid?.() !== 0) return userInfo().username;
  try {
    await run("id", ["-u", SSH_GIT_USER]);
  } catch {
    await run("useradd", [
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
  await run("usermod", ["--password", "*", SSH_GIT_USER]);
  return SSH_GIT_USER;
}

export async function startSshd(dir: string): Promise<Sshd> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  for (const name of ["host_key", "client_key"]) {
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", join(dir, name)]);
  }
  const hostPub = (await readFile(join(dir, "host_key.pub"), "utf8")).trim().split(" ").slice(0, 2).join(" ");
  const clientPub = (await readFile(join(dir, "client_key.pub"), "utf8")).trim();
  await writeFile(join(dir, "authorized_keys"), `${clientPub}\n`, { mode: 0o600 });
  const port = await freePort();
  const user = await sshUser();
  // The server reads authorized_keys as that user.
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    if (d.startsWith("/tmp/") || d === dir) await chmod(d, 0o711).catch(() => undefined);
  }
  await chmod(join(dir, "authorized_keys"), 0o644);
  const knownHosts = `[127.0.0.1]:${port} ${hostPub}\n`;
  await writeFile(join(dir, "known_hosts"), knownHosts, { mode: 0o600 });
  // Debian's stock settings otherwise (no PAM here: nothing to set up for a private server).
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_key")}`,
    "PidFile none",
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "MaxStartups 200:30:400",
    "MaxSessions 100",
    "LogLevel ERROR",
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  let output = "";
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  await waitForPort(port, child, () => output);
  return {
    grant: async (...paths: string[]) => {
      for (const p of paths) {
        if (user !== userInfo().username) await run("chown", ["-R", `${user}:`, p]);
        for (let d = dirname(p); d.startsWith("/tmp/"); d = dirname(d))
          await chmod(d, 0o711).catch(() => undefined);
      }
    },
    port,
    user,
    knownHosts,
    knownHostsFile: join(dir, "known_hosts"),
    clientKey: await readFile(join(dir, "client_key"), "utf8"),
    clientKeyFile: join(dir, "client_key"),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
