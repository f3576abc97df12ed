/**
 * A repository in SHA-256 format: the in-process objects are SHA-1 only, so the store must fall
 * back to `git commit` + `git push` there. These are also the file:// tests of that fallback
 * path (SHA-1 file:// remotes take the direct receive-pack path).
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGitRecordStore, type GitRecordStore } from "../../src/dns/git-record-store.js";
import { DnsBackendError } from "../../src/errors.js";
import {
  git,
  makeBareRepo,
  makeTempDir,
  pushExternalChange,
  remoteCommitCount,
  remoteFile,
  silentLogger,
  zoneText,
} from "./git-fixtures.js";
import { gitRaw, runRaw } from "./git-wire-fixtures.js";

let scratch: string;
const stores: GitRecordStore[] = [];

beforeAll(async () => {
  scratch = await makeTempDir("git-sha256-");
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function setup(zones: readonly string[] = ["example.com"], metrics?: Registry) {
  const dir = await makeTempDir("case-", scratch);
  const bare = await makeBareRepo(dir, zones, "remote.git", "sha256");
  const store = createGitRecordStore({
    repo: `file://${bare}`,
    dataDir: join(dir, "data"),
    logger: silentLogger,
    metrics,
    now: () => new Date("2026-11-25T12:00:00Z"),
  });
  stores.push(store);
  return { dir, bare, store };
}

async function tip(bare: string): Promise<string> {
  return (await git(["--git-dir", bare, "rev-parse", "main"])).trim();
}

async function fsckStrict(bare: string): Promise<[number | null, string]> {
  const r = await runRaw("git", ["--git-dir", bare, "fsck", "--strict", "--no-dangling", "--no-progress"]);
  return [r.code, r.stderr];
}

describe("GitRecordStore over file:// to a SHA-256 repository", () => {
  it("the fixture really is SHA-256", async () => {
    const { bare } = await setup();
    expect((await git(["--git-dir", bare, "rev-parse", "--show-object-format"])).trim()).toBe("sha256");
    expect(await tip(bare)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("present lands in the remote as a SHA-256 commit with valid content; cleanup removes it", async () => {
    const { bare, store } = await setup(["example.com", "example.co.uk"]);
    const before = await tip(bare);
    const result = await store.present("_acme-challenge.www.example.com", "token-1");
    expect(result.commit).toMatch(/^[0-9a-f]{64}$/);
    expect(result.commit).toBe(await tip(bare));
    expect((await git(["--git-dir", bare, "rev-parse", "main^"])).trim()).toBe(before);
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toBe(`${zoneText("example.com", "2026112500")}_acme-challenge.www 600 IN TXT "token-1"\n`);
    expect(await remoteFile(bare, "example.co.uk.domain")).toBe(zoneText("example.co.uk"));
    expect(await git(["--git-dir", bare, "log", "-1", "--format=%an|%s", "main"])).toBe(
      "httprequest-lego-provider|Update ACME challenge records (1 change)\n",
    );

    const gone = await store.cleanup("_acme-challenge.www.example.com", "token-1");
    expect(gone.commit).toBe(await tip(bare));
    expect(await remoteFile(bare, "example.com.domain")).not.toContain("TXT");
    expect(await remoteCommitCount(bare)).toBe(3);
    expect(await fsckStrict(bare)).toEqual([0, ""]);
  });

  it("answers a repeat without a new commit", async () => {
    const { bare, store } = await setup();
    await store.present("_acme-challenge.example.com", "same");
    const count = await remoteCommitCount(bare);
    expect((await store.present("_acme-challenge.example.com", "same")).commit).toBeUndefined();
    expect(await remoteCommitCount(bare)).toBe(count);
  });

  it("re-applies on the new tip when another writer pushed first, losing neither change", async () => {
    const registry = new Registry();
    const { dir, bare, store } = await setup(["example.com"], registry);
    await store.present("_acme-challenge.a.example.com", "ours-1");
    await pushExternalChange(bare, "example.com.domain", "external IN A 192.0.2.99\n", dir);
    await store.present("_acme-challenge.b.example.com", "ours-2");
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain("external IN A 192.0.2.99");
    expect(text).toContain('"ours-1"');
    expect(text).toContain('"ours-2"');
    // the git push path noticed the rejection and retried
    expect(await registry.metrics()).toContain("hlp_git_push_retries_total 1");
    expect(await fsckStrict(bare)).toEqual([0, ""]);
  });

  it("lands concurrent changes, all of them, in few commits", async () => {
    const { bare, store } = await setup();
    await store.start();
    const before = await remoteCommitCount(bare);
    const values = Array.from({ length: 12 }, (_, i) => `v${i}`);
    await Promise.all(values.map((v, i) => store.present(`_acme-challenge.h${i % 3}.example.com`, v)));
    const text = await remoteFile(bare, "example.com.domain");
    for (const v of values) expect(text).toContain(`"${v}"`);
    expect((await remoteCommitCount(bare)) - before).toBeLessThan(values.length);
  });

  it("reports a pre-receive hook's refusal and leaves the remote unchanged", async () => {
    const { bare, store } = await setup();
    await store.start();
    await writeFile(join(bare, "hooks", "pre-receive"), "#!/bin/sh\necho 'frozen' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const before = await tip(bare);
    const err = await store.present("_acme-challenge.example.com", "refused").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsBackendError);
    expect((err as Error).message).toMatch(/refused the push.*pre-receive hook declined/);
    expect(await tip(bare)).toBe(before);
  });

  it("keeps bytes that are not UTF-8 exactly as they were", async () => {
    const { dir, bare, store } = await setup();
    const work = join(dir, "latin1");
    await git(["clone", "--quiet", `file://${bare}`, work]);
    const original = Buffer.concat([
      Buffer.from("; caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
      await readFile(join(work, "example.com.domain")),
    ]);
    await writeFile(join(work, "example.com.domain"), original);
    await git(["commit", "--quiet", "-am", "latin1 comment"], work);
    await git(["push", "--quiet", "origin", "HEAD:main"], work);
    await store.present("_acme-challenge.example.com", "bytes");
    const after = await gitRaw(["--git-dir", bare, "show", "main:example.com.domain"]);
    const expected = Buffer.from(
      original.toString("latin1").replace("2024010100 ; serial", "2026112500 ; serial") +
        '_acme-challenge 600 IN TXT "bytes"\n',
      "latin1",
    );
    expect(after.equals(expected)).toBe(true);
  });
});
