/**
 * Only regular files are zones, on both write paths: SHA-1 file:// remotes (objects built in
 * process, direct receive-pack) and SHA-256 ones (`git commit` + `git push` in the clone's
 * working tree, where a checked-out link would be followed). An entry named like a zone that is a
 * link, a directory or a submodule, or a zone without SOA, fails its own changes only; the rest
 * of the batch lands in one commit.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BatchTiming,
  createGitRecordStore,
  type GitRecordStore,
} from "../../src/dns/git-record-store.js";
import { DnsBackendError } from "../../src/errors.js";
import {
  git,
  makeBareRepo,
  makeTempDir,
  pushZoneEntries,
  remoteCommitCount,
  remoteFile,
  silentLogger,
} from "./git-fixtures.js";

let scratch: string;
const stores: GitRecordStore[] = [];
beforeAll(async () => {
  scratch = await makeTempDir("git-zone-files-");
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const OUTSIDE_TEXT = "# a file outside the clone\nroot:x:0:0\n";

/**
 * A remote with good zones (example.com, other.org) and hostile entries: evil.test.domain a link
 * to a file outside the clone, dir.test.domain a directory, sub.test.domain a submodule,
 * nosoa.test.domain a file without SOA.
 */
async function hostileRemote(format: "sha1" | "sha256") {
  const dir = await makeTempDir("case-", scratch);
  const outside = join(dir, "outside.txt");
  await writeFile(outside, OUTSIDE_TEXT);
  const bare = await makeBareRepo(dir, ["example.com", "other.org"], "remote.git", format);
  await pushZoneEntries(
    bare,
    {
      links: { "evil.test.domain": outside },
      directories: ["dir.test.domain"],
      submodules: ["sub.test.domain"],
      files: { "nosoa.test.domain": "$TTL 3600\n@\tIN\tNS\tns1.nosoa.test.\n" },
    },
    dir,
  );
  return { dir, bare, outside };
}

describe.each([
  ["SHA-1, direct receive-pack", "sha1"],
  ["SHA-256, git commit + git push", "sha256"],
] as const)("zone files over file:// (%s)", (_what, format) => {
  it("a link, directory, submodule or SOA-less zone fails its own changes; the rest lands in one commit", async () => {
    const { dir, bare, outside } = await hostileRemote(format);
    const batches: BatchTiming[] = [];
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(dir, "data"),
      logger: silentLogger,
      now: () => new Date("2026-11-25T12:00:00Z"),
      onBatch: (t) => batches.push(t),
    });
    stores.push(store);
    await store.present("_acme-challenge.example.com", "warm-up");
    const before = await remoteCommitCount(bare);

    // The first call occupies the writer, so the rest queue up and share the next batch.
    const first = store.present("_acme-challenge.example.com", "first");
    const rest = Promise.allSettled([
      store.present("_acme-challenge.evil.test", "to-the-link"),
      store.present("_acme-challenge.www.example.com", "good-1"),
      store.present("_acme-challenge.dir.test", "to-the-dir"),
      store.cleanup("_acme-challenge.sub.test"),
      store.present("_acme-challenge.nosoa.test", "to-nosoa"),
      store.present("_acme-challenge.other.org", "good-2"),
    ]);
    await first;
    const [evil, good1, dirZone, sub, nosoa, good2] = await rest;
    await store.close();
    expect(batches.map((b) => b.size)).toEqual([1, 1, 6]);

    const reason = (r: PromiseSettledResult<unknown>) => {
      expect(r.status).toBe("rejected");
      const err = (r as PromiseRejectedResult).reason as DnsBackendError;
      expect(err).toBeInstanceOf(DnsBackendError);
      expect(err.status).toBe(502);
      return err.message;
    };
    expect(reason(evil)).toMatch(
      /Zone file evil\.test\.domain .*symbolic link; zone files must be regular files/,
    );
    expect(reason(dirZone)).toMatch(/Zone file dir\.test\.domain .*a directory/);
    expect(reason(sub)).toMatch(/Zone file sub\.test\.domain .*a submodule/);
    expect(reason(nosoa)).toMatch(/Zone file nosoa\.test\.domain .*no SOA record/);
    expect(good1.status).toBe("fulfilled");
    expect(good2.status).toBe("fulfilled");

    // The good changes landed together, in one commit after "first".
    expect(await remoteCommitCount(bare)).toBe(before + 2);
    expect(await remoteFile(bare, "example.com.domain")).toContain('"good-1"');
    expect(await remoteFile(bare, "other.org.domain")).toContain('"good-2"');
    // Nothing followed the link: the file outside is unchanged byte for byte, the link is a link.
    expect(await readFile(outside, "utf8")).toBe(OUTSIDE_TEXT);
    const ls = await git(["--git-dir", bare, "ls-tree", "main", "evil.test.domain", "nosoa.test.domain"]);
    expect(ls).toMatch(/^120000 blob \S+\tevil\.test\.domain$/m);
    expect(await remoteFile(bare, "nosoa.test.domain")).not.toContain("to-nosoa");
  });
});
