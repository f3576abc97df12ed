/**
 * A real bind9 (`named`, Debian's bind9 package) on a free loopback port, authoritative for one
 * zone from a file the test rewrites; `reload()` is SIGHUP, as an operator's reload would be.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NamedFixture {
  readonly port: number;
  setZone(text: string): Promise<void>;
  reload(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

export async function startNamed(zone: string, text: string): Promise<NamedFixture> {
  const dir = await mkdtemp(join(tmpdir(), "named-"));
  const port = await freePort();
  const zoneFile = join(dir, `${zone}.zone`);
  await writeFile(zoneFile, text);
  const conf = join(dir, "named.conf");
  await writeFile(
    conf,
    `options {
  directory "${dir}";
  pid-file "${join(dir, "named.pid")}";
  session-keyfile "${join(dir, "session.key")}";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { 127.0.0.1; };
  notify no;
  dnssec-validation no;
};
zone "${zone}" { type primary; file "${zoneFile}"; };
`,
  );
  // -f: foreground, our child; -4: IPv4; no -u: runs as the invoking user.
  const child: ChildProcess = spawn("/usr/sbin/named", ["-4", "-f", "-c", conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    port,
    setZone: (next) => writeFile(zoneFile, next),
    reload: () => child.kill("SIGHUP"),
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
