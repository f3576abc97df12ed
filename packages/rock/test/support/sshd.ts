/**
 * An OpenSSH server on 127.0.0.1 for the image tests: own config, host key and authorized_keys in a
 * temp dir, foreground child process. Logs in as root (the host side of the git remote).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort, tcpOpen, waitFor } from "./net.js";

export interface Sshd {
  readonly port: number;
  readonly user: string;
  readonly knownHosts: string;
  readonly clientKey: string;
  stop(): Promise<void>;
}

async function keypair(path: string): Promise<{ priv: string; pub: string }> {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rock-test", "-f", path]);
  return { priv: await readFile(path, "utf8"), pub: (await readFile(`${path}.pub`, "utf8")).trim() };
}

export async function startSshd(dir: string): Promise<Sshd> {
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const host = await keypair(join(dir, "host_key"));
  const client = await keypair(join(dir, "client_key"));
  await writeFile(join(dir, "authorized_keys"), `${client.pub}\n`, { mode: 0o600 });
  const port = await freePort();
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
    "AllowUsers root",
    "LogLevel ERROR",
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  let log = "";
  const child: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitFor(`sshd on 127.0.0.1:${port}`, 10_000, async () => {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
    return tcpOpen(port);
  });
  return {
    port,
    user: "root",
    knownHosts: `[127.0.0.1]:${port} ${host.pub.split(" ").slice(0, 2).join(" ")}\n`,
    clientKey: client.priv,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
