/**
 * A real OpenSSH server on 127.0.0.1 for tests and benchmarks: its own config, host key and
 * authorized_keys in a directory the caller owns, run in the foreground as a child (no daemon; the
 * only system path touched is the privilege-separation directory /run/sshd that sshd requires).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "@httprequest-lego-provider/free-port";
import { type Daemon, run, start } from "@httprequest-lego-provider/run-command";

export interface LoopbackSshdOptions {
  /** The only account the server lets in (default: the current user). */
  readonly user?: string;
  /** Extra sshd_config lines, e.g. higher MaxStartups for a load test. */
  readonly extraConfig?: readonly string[];
}

export interface LoopbackSshd {
  readonly port: number;
  readonly user: string;
  /** known_hosts line for this server, also written to `knownHostsFile`. */
  readonly knownHosts: string;
  readonly knownHostsFile: string;
  /** Private key the server accepts, also at `clientKeyFile`. */
  readonly clientKey: string;
  readonly clientKeyFile: string;
  /** A valid key the server does not accept. */
  readonly strangerKey: string;
  /** known_hosts naming this address with a different host key. */
  readonly wrongKnownHosts: string;
  /** Where authorized_keys lives (a server logging in another user must be able to read it). */
  readonly authorizedKeysFile: string;
  stop(): Promise<void>;
}

async function keypair(path: string): Promise<{ priv: string; pub: string }> {
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "loopback-sshd", "-f", path]);
  return { priv: await readFile(path, "utf8"), pub: (await readFile(`${path}.pub`, "utf8")).trim() };
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, sshd: Daemon): Promise<void> {
  const deadline = Date.now() + 10_000;
  const log = async () => (await readFile(sshd.logFile, "utf8").catch(() => "")).slice(-4000);
  for (;;) {
    if (sshd.hasExited()) throw new Error(`sshd exited early: ${await log()}`);
    if (await portAnswers(port)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${await log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startLoopbackSshd(
  dir: string,
  options: LoopbackSshdOptions = {},
): Promise<LoopbackSshd> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const host = await keypair(join(dir, "host_key"));
  const other = await keypair(join(dir, "other_host_key"));
  const client = await keypair(join(dir, "client_key"));
  const stranger = await keypair(join(dir, "stranger_key"));
  const authorizedKeysFile = join(dir, "authorized_keys");
  await writeFile(authorizedKeysFile, `${client.pub}\n`, { mode: 0o600 });
  const port = await freePort();
  const user = options.user ?? userInfo().username;
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_key")}`,
    "PidFile none",
    `AuthorizedKeysFile ${authorizedKeysFile}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "LogLevel ERROR",
    ...(options.extraConfig ?? []),
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  const hostType = host.pub.split(" ")[0] ?? "ssh-ed25519";
  const knownHosts = `[127.0.0.1]:${port} ${host.pub.split(" ").slice(0, 2).join(" ")}\n`;
  const knownHostsFile = join(dir, "known_hosts");
  await writeFile(knownHostsFile, knownHosts, { mode: 0o600 });

  const sshd = start("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", join(dir, "sshd_config")], {
    logFile: join(dir, "sshd.log"),
  });
  await waitForPort(port, sshd);
  return {
    port,
    user,
    knownHosts,
    knownHostsFile,
    clientKey: client.priv,
    clientKeyFile: join(dir, "client_key"),
    strangerKey: stranger.priv,
    wrongKnownHosts: `[127.0.0.1]:${port} ${hostType} ${other.pub.split(" ")[1]}\n`,
    authorizedKeysFile,
    stop: async () => {
      await sshd.stop();
    },
  };
}
