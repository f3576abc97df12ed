import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BatchTiming,
  createGitRecordStore,
  type GitRecordStore,
} from "../../src/dns/git-record-store.js";
import { DnsBackendError, ZoneNotConfiguredError } from "../../src/errors.js";
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

let scratch: string;
const stores: GitRecordStore[] = [];

beforeAll(async () => {
  scratch = await makeTempDir("git-store-");
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function setup(
  zones: readonly string[] = ["example.com", "example.co.uk"],
  extra: { onBatch?: (t: BatchTiming) => void; metrics?: Registry; branchSuffix?: string } = {},
) {
  const dir = await makeTempDir("case-", scratch);
  const bare = await makeBareRepo(dir, zones);
  const store = createGitRecordStore({
    repo: `file://${bare}${extra.branchSuffix ?? ""}`,
    dataDir: join(dir, "data"),
    logger: silentLogger,
    onBatch: extra.onBatch,
    metrics: extra.metrics,
    now: () => new Date("2026-11-25T12:00:00Z"),
  });
  stores.push(store);
  return { dir, bare, store };
}

describe("GitRecordStore over file://", () => {
  it("puts a presented value in the remote, with the SOA serial bumped, before answering", async () => {
    const { bare, store } = await setup();
    const result = await store.present("_acme-challenge.www.example.com", "token-1");
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain('_acme-challenge.www 600 IN TXT "token-1"\n');
    expect(text).toContain("2026112500 ; serial");
    expect(result.commit).toBe((await git(["--git-dir", bare, "rev-parse", "main"])).trim());
  });

  it("keeps both values of a name and removes exactly the one cleaned up", async () => {
    const { bare, store } = await setup();
    await store.present("_acme-challenge.example.com", "apex");
    await store.present("_acme-challenge.example.com", "wildcard");
    await store.cleanup("_acme-challenge.example.com", "apex");
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).not.toContain('"apex"');
    expect(text).toContain('_acme-challenge 600 IN TXT "wildcard"');
    await store.cleanup("_acme-challenge.example.com");
    expect(await remoteFile(bare, "example.com.domain")).not.toContain("TXT");
  });

  it("uses the longest zone: example.co.uk, not co.uk", async () => {
    const { bare, store } = await setup(["co.uk", "example.co.uk"]);
    await store.present("_acme-challenge.www.example.co.uk", "v");
    expect(await remoteFile(bare, "example.co.uk.domain")).toContain('_acme-challenge.www 600 IN TXT "v"');
    expect(await remoteFile(bare, "co.uk.domain")).not.toContain("TXT");
  });

  it("answers idempotent repeats without a new commit", async () => {
    const { bare, store } = await setup();
    const first = await store.present("_acme-challenge.example.com", "same");
    const count = await remoteCommitCount(bare);
    const again = await store.present("_acme-challenge.example.com", "same");
    const gone = await store.cleanup("_acme-challenge.example.com", "never-there");
    expect(first.commit).toBeDefined();
    expect(again.commit).toBeUndefined();
    expect(gone.commit).toBeUndefined();
    expect(await remoteCommitCount(bare)).toBe(count);
  });

  it("refuses a name without a zone file and creates no file", async () => {
    const { bare, store } = await setup();
    await expect(store.present("_acme-challenge.example.net", "v")).rejects.toBeInstanceOf(
      ZoneNotConfiguredError,
    );
    const files = await git(["--git-dir", bare, "ls-tree", "--name-only", "main"]);
    expect(files.split("\n").filter(Boolean).sort()).toEqual([
      "README.md",
      "example.co.uk.domain",
      "example.com.domain",
    ]);
  });

  it("lands concurrent changes in one commit (group commit) and answers each caller", async () => {
    const timings: BatchTiming[] = [];
    const { bare, store } = await setup(["example.com"], { onBatch: (t) => timings.push(t) });
    await store.start();
    const before = await remoteCommitCount(bare);
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    const results = await Promise.all(
      values.map((v, i) => store.present(`_acme-challenge.h${i % 7}.example.com`, v)),
    );
    expect(results.every((r) => r.commit !== undefined)).toBe(true);
    const text = await remoteFile(bare, "example.com.domain");
    for (const v of values) expect(text).toContain(`"${v}"`);
    const commits = (await remoteCommitCount(bare)) - before;
    expect(commits).toBeLessThan(values.length / 4);
    expect(timings.reduce((n, t) => n + t.size, 0)).toBe(values.length);
    expect(Math.max(...timings.map((t) => t.size))).toBeGreaterThan(1);
  });

  it("re-applies on the new tip when another writer pushed first, losing neither change", async () => {
    const { dir, bare, store } = await setup(["example.com"]);
    await store.present("_acme-challenge.a.example.com", "ours-1");
    await pushExternalChange(bare, "example.com.domain", "external IN A 192.0.2.99\n", dir);
    await store.present("_acme-challenge.b.example.com", "ours-2");
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain("external IN A 192.0.2.99");
    expect(text).toContain('"ours-1"');
    expect(text).toContain('"ours-2"');
  });

  it("checks a fresh tip before answering 'nothing to do' (a record added by another replica is removed)", async () => {
    const { dir, bare, store } = await setup(["example.com"]);
    await store.start();
    await pushExternalChange(
      bare,
      "example.com.domain",
      '_acme-challenge 600 IN TXT "from-elsewhere"\n',
      dir,
    );
    const r = await store.cleanup("_acme-challenge.example.com", "from-elsewhere");
    expect(r.commit).toBeDefined();
    expect(await remoteFile(bare, "example.com.domain")).not.toContain("from-elsewhere");
  });

  it("finds a zone file added to the remote after start", async () => {
    const { dir, bare, store } = await setup(["example.com"]);
    await store.start();
    const work = join(dir, "adder");
    await git(["clone", "--quiet", `file://${bare}`, work]);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(work, "new.example.domain"), zoneText("new.example"));
    await git(["add", "."], work);
    await git(["commit", "--quiet", "-m", "new zone"], work);
    await git(["push", "--quiet", "origin", "HEAD:main"], work);
    await store.present("_acme-challenge.new.example", "v");
    expect(await remoteFile(bare, "new.example.domain")).toContain('_acme-challenge 600 IN TXT "v"');
  });

  it("works on the branch named after @ and reuses its clone after a restart", async () => {
    const { dir, bare } = await setup(["example.com"]);
    await git(["--git-dir", bare, "branch", "dns", "main"]);
    const options = { repo: `file://${bare}@dns`, dataDir: join(dir, "data2"), logger: silentLogger };
    const first = createGitRecordStore(options);
    await first.present("_acme-challenge.example.com", "on-dns");
    await first.close();
    const second = createGitRecordStore(options);
    stores.push(second);
    expect(second.cloneDir).toBe(first.cloneDir);
    await second.present("_acme-challenge.example.com", "again");
    const text = await remoteFile(bare, "example.com.domain", "dns");
    expect(text).toContain('"on-dns"');
    expect(text).toContain('"again"');
    expect(await remoteFile(bare, "example.com.domain", "main")).not.toContain("TXT");
    expect(await git(["--git-dir", bare, "log", "-1", "--format=%an", "dns"])).toBe(
      "httprequest-lego-provider\n",
    );
  });

  it("reports a zone file it cannot edit to the affected caller only", async () => {
    const { dir, bare, store } = await setup(["example.com", "broken.example"]);
    const work = join(dir, "breaker");
    await git(["clone", "--quiet", `file://${bare}`, work]);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(work, "broken.example.domain"), "@ IN SOA ns1 host 99999999999 1 1 1 1\n");
    await git(["commit", "--quiet", "-am", "bad serial"], work);
    await git(["push", "--quiet", "origin", "HEAD:main"], work);
    const [bad, good] = await Promise.allSettled([
      store.present("_acme-challenge.broken.example", "x"),
      store.present("_acme-challenge.example.com", "y"),
    ]);
    expect(bad.status).toBe("rejected");
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(DnsBackendError);
    expect(String((bad as PromiseRejectedResult).reason.message)).toMatch(
      /broken\.example\.domain.*SOA serial/,
    );
    expect(good.status).toBe("fulfilled");
    expect(await remoteFile(bare, "broken.example.domain")).not.toContain("TXT");
  });

  it("registers its metrics and reports health", async () => {
    const registry = new Registry();
    const { store } = await setup(["example.com"], { metrics: registry });
    // readiness opens the clone itself
    expect(await store.health()).toMatchObject({ ok: true });
    await store.present("_acme-challenge.example.com", "m");
    expect(await store.health()).toMatchObject({ ok: true });
    const text = await registry.metrics();
    for (const name of [
      'hlp_git_push_duration_seconds_count{outcome="ok"} 1',
      "hlp_git_push_retries_total 0",
      "hlp_git_batch_size_count 1",
      "hlp_git_queue_depth 0",
    ]) {
      expect(text).toContain(name);
    }
  });
});

describe("GitRecordStore health", () => {
  it("reports an unreachable remote with the reason", async () => {
    const dir = await makeTempDir("case-", scratch);
    const store = createGitRecordStore({
      repo: `file://${dir}/missing.git`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
    });
    stores.push(store);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/missing\.git.*does not appear to be a git repository/);
  });
});

describe("GitRecordStore bytes and readiness", () => {
  it("keeps bytes that are not UTF-8 exactly as they were", async () => {
    const dir = await makeTempDir("case-", scratch);
    const bare = await makeBareRepo(dir, ["example.com"]);
    const work = join(dir, "latin1");
    await git(["clone", "--quiet", `file://${bare}`, work]);
    const { readFile: read, writeFile: write } = await import("node:fs/promises");
    const original = Buffer.concat([
      Buffer.from("; zone of the caf"),
      Buffer.from([0xe9]), // latin1 e-acute: invalid as UTF-8
      Buffer.from(" team, \u00fcber UTF-8 too\n"),
      await read(join(work, "example.com.domain")),
    ]);
    await write(join(work, "example.com.domain"), original);
    await git(["commit", "--quiet", "-am", "latin1 comment"], work);
    await git(["push", "--quiet", "origin", "HEAD:main"], work);
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
      now: () => new Date("2026-11-25T12:00:00Z"),
    });
    stores.push(store);
    await store.present("_acme-challenge.example.com", "bytes");
    const { execFile } = await import("node:child_process");
    const after = await new Promise<Buffer>((resolve, reject) =>
      execFile(
        "git",
        ["--git-dir", bare, "show", "main:example.com.domain"],
        { encoding: "buffer" },
        (e, out) => (e ? reject(e) : resolve(out)),
      ),
    );
    const expected = Buffer.from(
      original.toString("latin1").replace("2024010100 ; serial", "2026112500 ; serial") +
        '_acme-challenge 600 IN TXT "bytes"\n',
      "latin1",
    );
    expect(after.equals(expected)).toBe(true);
  });

  it("edits a zone file whose name is not ASCII (a UTF-8 name in the repository)", async () => {
    const dir = await makeTempDir("case-", scratch);
    const bare = await makeBareRepo(dir, ["b\u00fccher.example"]);
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
    });
    stores.push(store);
    await store.present("_acme-challenge.b\u00fccher.example", "umlaut");
    expect(await remoteFile(bare, "b\u00fccher.example.domain")).toContain(
      '_acme-challenge 600 IN TXT "umlaut"',
    );
  });

  it("becomes ready again when the remote comes back, without any request", async () => {
    const dir = await makeTempDir("case-", scratch);
    const bare = await makeBareRepo(dir, ["example.com"]);
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
    });
    stores.push(store);
    await store.start();
    const { rename } = await import("node:fs/promises");
    await rename(bare, `${bare}.away`);
    await expect(store.present("_acme-challenge.example.com", "x")).rejects.toBeInstanceOf(DnsBackendError);
    await rename(`${bare}.away`, bare);
    expect(await store.health()).toMatchObject({ ok: true });
  });
});

describe("GitRecordStore push results", () => {
  async function withHook(name: string, script: string, metrics?: Registry) {
    const dir = await makeTempDir("case-", scratch);
    const bare = await makeBareRepo(dir, ["example.com"]);
    const { writeFile: write } = await import("node:fs/promises");
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
      metrics,
    });
    stores.push(store);
    await store.start();
    await write(join(bare, "hooks", name), script, { mode: 0o755 });
    return { bare, store };
  }

  it("answers success when the push failed on the way back but the remote has the commit", async () => {
    // receive-pack dies after updating the ref: git exits 1 and prints no "Done"
    const { bare, store } = await withHook("post-receive", "#!/bin/sh\nkill -9 $PPID\n");
    const r = await store.present("_acme-challenge.example.com", "landed");
    expect(r.commit).toBe((await git(["--git-dir", bare, "rev-parse", "main"])).trim());
    expect(await remoteFile(bare, "example.com.domain")).toContain('"landed"');
  });

  it("reports a server-side refusal once, without retrying it as a race", async () => {
    const registry = new Registry();
    const { bare, store } = await withHook(
      "pre-receive",
      "#!/bin/sh\necho 'branch is frozen' >&2\nexit 1\n",
      registry,
    );
    const before = await remoteFile(bare, "example.com.domain");
    const err = await store.present("_acme-challenge.example.com", "refused").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsBackendError);
    expect((err as Error).message).toMatch(/refused the push.*pre-receive hook declined/);
    // the hook's own words reach the operator
    expect((err as Error).message).toContain("branch is frozen");
    expect(await remoteFile(bare, "example.com.domain")).toBe(before);
    expect(await registry.metrics()).toContain("hlp_git_push_retries_total 0");
    expect(await git(["status", "--porcelain"], store.cloneDir)).toBe("");
  });
});
