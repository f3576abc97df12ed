import { execFile } from "node:child_process";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitRecordStore, type GitRecordStoreOptions } from "../../src/dns/git-record-store.js";
import { DnsBackendError } from "../../src/errors.js";
import { git, makeBareRepo, makeTempDir, remoteFile, silentLogger } from "./git-fixtures.js";
import { type Sshd, startSshd } from "./sshd-fixture.js";

const exec = promisify(execFile);
let scratch: string;
let sshd: Sshd;
let bare: string;

beforeAll(async () => {
  scratch = await makeTempDir("git-ssh-");
  sshd = await startSshd(scratch);
  bare = await makeBareRepo(scratch, ["example.com"], "dns.git");
});
afterAll(async () => {
  await sshd?.stop();
  await rm(scratch, { recursive: true, force: true });
});

function options(name: string, extra: Partial<GitRecordStoreOptions>): GitRecordStoreOptions {
  return {
    // the Django charm's format: user@host:port/path@branch
    repo: `git+ssh://${sshd.user}@127.0.0.1:${sshd.port}${bare}@main`,
    dataDir: join(scratch, name),
    logger: silentLogger,
    ...extra,
  };
}

async function sshMasterRunning(controlPath: string): Promise<boolean> {
  try {
    await exec("ssh", ["-o", `ControlPath=${controlPath}`, "-O", "check", "x"]);
    return true;
  } catch {
    return false;
  }
}

describe("GitRecordStore over ssh to a local sshd", () => {
  it("pushes with the given key, verifying the host key, over one reused connection", async () => {
    const store = createGitRecordStore(
      options("good", { sshKey: sshd.clientKey, knownHosts: sshd.knownHosts }),
    );
    await store.present("_acme-challenge.example.com", "over-ssh-1");
    await store.present("_acme-challenge.www.example.com", "over-ssh-2");
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain('_acme-challenge 600 IN TXT "over-ssh-1"');
    expect(text).toContain('_acme-challenge.www 600 IN TXT "over-ssh-2"');
    // the author is the URL's user, as the Django app did
    expect(await git(["--git-dir", bare, "log", "-1", "--format=%an"])).toBe(`${sshd.user}\n`);
    // secrets are private to the service
    for (const f of ["ssh/id", "ssh/known_hosts"]) {
      expect((await stat(join(scratch, "good", f))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(scratch, "good", "ssh"))).mode & 0o777).toBe(0o700);
    // one ssh connection stays open for the next push, and close() ends it
    const cp = (await import("node:fs/promises")).readdir(join(scratch, "good", "ssh"));
    const socket = (await cp).find((n) => n.startsWith("cm-")) as string;
    expect(socket).toBeDefined();
    expect(await sshMasterRunning(join(scratch, "good", "ssh", socket))).toBe(true);
    await store.close();
    expect(await sshMasterRunning(join(scratch, "good", "ssh", socket))).toBe(false);
  });

  it("reads the key and known_hosts from files too", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(scratch, "key-file"), sshd.clientKey, { mode: 0o644 });
    await writeFile(join(scratch, "kh-file"), sshd.knownHosts);
    const store = createGitRecordStore(
      options("files", { sshKeyFile: join(scratch, "key-file"), knownHostsFile: join(scratch, "kh-file") }),
    );
    await store.present("_acme-challenge.files.example.com", "from-files");
    await store.close();
    expect(await remoteFile(bare, "example.com.domain")).toContain('"from-files"');
  });

  it("reports a key the server refuses as a credentials problem", async () => {
    const store = createGitRecordStore(
      options("stranger", { sshKey: sshd.strangerKey, knownHosts: sshd.knownHosts }),
    );
    const err = await store.present("_acme-challenge.example.com", "never").catch((e: unknown) => e);
    await store.close();
    expect(err).toBeInstanceOf(DnsBackendError);
    expect((err as DnsBackendError).message).toMatch(/refused our credentials.*APP_GIT_SSH_KEY/);
    expect((err as DnsBackendError).status).toBe(503);
  });

  it("refuses a server whose host key does not match known_hosts", async () => {
    const store = createGitRecordStore(
      options("mitm", { sshKey: sshd.clientKey, knownHosts: sshd.wrongKnownHosts }),
    );
    const err = await store.present("_acme-challenge.example.com", "never").catch((e: unknown) => e);
    await store.close();
    expect((err as DnsBackendError).message).toMatch(/host key verification failed.*APP_GIT_KNOWN_HOSTS/);
  });

  it("refuses a server that is not in known_hosts at all", async () => {
    const store = createGitRecordStore(
      options("unknown", {
        sshKey: sshd.clientKey,
        knownHosts: "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBad\n",
      }),
    );
    const err = await store.present("_acme-challenge.example.com", "never").catch((e: unknown) => e);
    await store.close();
    expect((err as DnsBackendError).message).toMatch(/host key verification failed/);
    expect(await remoteFile(bare, "example.com.domain")).not.toContain('"never"');
  });

  it("says which setting is missing when there is no key or no known_hosts", async () => {
    const noKey = createGitRecordStore(options("nokey", { knownHosts: sshd.knownHosts }));
    await expect(noKey.start()).rejects.toThrow(/APP_GIT_SSH_KEY or APP_GIT_SSH_KEY_FILE/);
    const noHosts = createGitRecordStore(options("nohosts", { sshKey: sshd.clientKey }));
    await expect(noHosts.start()).rejects.toThrow(/APP_GIT_KNOWN_HOSTS/);
  });

  it("keeps the control socket path short even under a long data directory", async () => {
    const deep = join(scratch, "a-rather-long-directory-name-for-data".repeat(3));
    const store = createGitRecordStore({
      ...options("x", { sshKey: sshd.clientKey, knownHosts: sshd.knownHosts }),
      dataDir: deep,
    });
    await store.present("_acme-challenge.deep.example.com", "deep");
    await store.close();
    expect(await remoteFile(bare, "example.com.domain")).toContain('"deep"');
  });
});
