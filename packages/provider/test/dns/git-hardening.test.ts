/**
 * git as the store runs it executes nothing a repository could plant (hooks, fsmonitor), and
 * speaks only the configured transport; the remote's own hooks still run on the direct path
 * (see "reports a pre-receive hook's refusal" in git-record-store.test.ts).
 */
import { access, appendFile, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hardenedGitConfig, remoteSideEnvironment } from "../../src/dns/git-hardening.js";
import { createGitRecordStore, type GitRecordStore } from "../../src/dns/git-record-store.js";
import { GitCommandError, GitRunner, gitEnvironment } from "../../src/dns/git-runner.js";
import { makeBareRepo, makeTempDir, remoteFile, silentLogger } from "./git-fixtures.js";

let scratch: string;
const stores: GitRecordStore[] = [];
beforeAll(async () => {
  scratch = await makeTempDir("git-hardening-");
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const IDENTITY = { name: "t", email: "t@localhost" };

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe("hardenedGitConfig", () => {
  it("allows the configured transport only", () => {
    const config = new Map(hardenedGitConfig("https"));
    expect(config.get("protocol.allow")).toBe("never");
    expect(config.get("protocol.https.allow")).toBe("always");
    expect(config.has("protocol.file.allow")).toBe(false);
    expect(config.get("core.hooksPath")).toBe("/dev/null");
  });

  it("is not handed to a local remote's receive-pack (git push does not either)", () => {
    const env = gitEnvironment(IDENTITY, {}, "file");
    expect(env.GIT_CONFIG_COUNT).toBeDefined();
    const remote = remoteSideEnvironment(env);
    expect(
      Object.keys(remote).filter(
        (k) => k.startsWith("GIT_CONFIG_") && k !== "GIT_CONFIG_GLOBAL" && k !== "GIT_CONFIG_NOSYSTEM",
      ),
    ).toEqual([]);
    expect(remote.GIT_AUTHOR_NAME).toBe("t");
  });
});

describe("git run by the store", () => {
  it("refuses transports other than the configured one", async () => {
    const bare = await makeBareRepo(await makeTempDir("case-", scratch), ["example.com"]);
    const https = new GitRunner(scratch, gitEnvironment(IDENTITY, {}, "https"));
    for (const url of [`file://${bare}`, bare, "ext::sh -c touch% /tmp/pwned"]) {
      const err = await https.run(["ls-remote", "--", url]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitCommandError);
      expect((err as GitCommandError).stderr).toMatch(/transport '(file|ext)' not allowed/);
    }
    const file = new GitRunner(scratch, gitEnvironment(IDENTITY, {}, "file"));
    expect(await file.run(["ls-remote", "--", `file://${bare}`])).toMatch(/refs\/heads\/main/);
  });

  it.each(["sha1", "sha256"] as const)(
    "runs no hook or fsmonitor planted in the clone (%s)",
    async (format) => {
      const dir = await makeTempDir("case-", scratch);
      const bare = await makeBareRepo(dir, ["example.com"], "remote.git", format);
      const store = createGitRecordStore({
        repo: `file://${bare}`,
        dataDir: join(dir, "data"),
        logger: silentLogger,
      });
      stores.push(store);
      await store.start();
      const marker = join(dir, "ran");
      const hooks = join(dir, "hooks");
      await mkdir(hooks);
      const script = `#!/bin/sh\necho "$0" >> ${marker}\n`;
      for (const hook of [
        "pre-commit",
        "post-commit",
        "reference-transaction",
        "post-checkout",
        "post-merge",
      ]) {
        await writeFile(join(hooks, hook), script);
        await chmod(join(hooks, hook), 0o755);
        await writeFile(join(store.cloneDir, ".git", "hooks", hook), script);
        await chmod(join(store.cloneDir, ".git", "hooks", hook), 0o755);
      }
      await writeFile(join(dir, "fsmonitor"), script);
      await chmod(join(dir, "fsmonitor"), 0o755);
      await appendFile(
        join(store.cloneDir, ".git", "config"),
        `[core]\n\thooksPath = ${hooks}\n\tfsmonitor = ${join(dir, "fsmonitor")}\n`,
      );
      await store.present("_acme-challenge.example.com", "one");
      await store.present("_acme-challenge.example.com", "two");
      expect(await remoteFile(bare, "example.com.domain")).toContain('"two"');
      expect(await exists(marker)).toBe(false);
    },
  );
});
