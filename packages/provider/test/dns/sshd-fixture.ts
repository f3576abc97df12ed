/**
 * A real OpenSSH server on 127.0.0.1 for tests: its own config, host key and authorized_keys in
 * a temp dir, run in the foreground as a child (no daemon, no system config touched apart from
 * the privilege-separation directory /run/sshd it requires).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface Sshd {
  readonly port: number;
  readonly user: string;
  /** known_hosts line for this server. */
  readonly knownHosts: string;
  /** Private key the server accepts. */
  readonly clientKey: string;
  /** A valid key the server does not accept. */
  readonly strangerKey: string;
  /** known_hosts naming this address with a different host key. */
  readonly wrongKnownHosts: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function keypair(path: string): Promise<{ priv: string; pub: string }> {
  await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", path]);
  return { priv: await readFile(path, "utf8"), pub: (await readFile(`${path}.pub`, "utf8")).trim() };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited early: ${log()}`);
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

export async function startSshd(dir: string): Promise<Sshd> {
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const host = await keypair(join(dir, "host_key"));
  const other = await keypair(join(dir, "other_host_key"));
  const client = await keypair(join(dir, "client_key"));
  const stranger = await keypair(join(dir, "stranger_key"));
  await writeFile(join(dir, "authorized_keys"), `${client.pub}\n`, { mode: 0o600 });
  const port = await freePort();
  const user = userInfo().username;
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
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "LogLevel ERROR",
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  let output = "";
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  await waitForPort(port, child, () => output);
  const hostType = host.pub.split(" ")[0] as string;
  return {
    port,
    user,
    knownHosts: `[127.0.0.1]:${port} ${host.pub.split(" ").slice(0, 2).join(" ")}\n`,
    wrongKnownHosts: `[127.0.0.1]:${port} ${hostType} ${other.pub.split(" ")[1]}\n`,
    clientKey: client.priv,
    strangerKey: stranger.priv,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
