import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AcmeDnsUpdates } from "../../src/acmedns/updates.js";
import { AcmeDnsValues } from "../../src/acmedns/values-repo.js";
import { migrate } from "../../src/db/migrations.js";
import {
  type BatchTiming,
  createGitRecordStore,
  type GitRecordStore,
} from "../../src/dns/git-record-store.js";
import { createTestDatabase } from "../helpers/databases.js";
import {
  git,
  makeBareRepo,
  makeTempDir,
  namedCheckzone,
  remoteCommitCount,
  remoteFile,
  silentLogger,
} from "./git-fixtures.js";

let scratch: string;
const stores: GitRecordStore[] = [];

beforeAll(async () => {
  scratch = await makeTempDir("git-replace-");
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function setup(maxBatchSize?: number, onBatch?: (t: BatchTiming) => void) {
  const dir = await makeTempDir("case-", scratch);
  const bare = await makeBareRepo(dir, ["example.com"]);
  const store = createGitRecordStore({
    repo: `file://${bare}`,
    dataDir: join(dir, "data"),
    logger: silentLogger,
    maxBatchSize,
    onBatch,
    now: () => new Date("2026-11-25T12:00:00Z"),
  });
  stores.push(store);
  return { bare, store };
}

const NAME = "_acme-challenge.example.com";

describe("GitRecordStore.replace (acme-dns's /update)", () => {
  it("adds the new value and removes the old ones in one commit, leaving other values alone", async () => {
    const { bare, store } = await setup();
    await store.present(NAME, "from-present");
    await store.present(NAME, "old-1");
    await store.present(NAME, "old-2");
    const before = await remoteCommitCount(bare);
    const result = await store.replace(NAME, "new", ["old-1", "old-2"]);
    expect(await remoteCommitCount(bare)).toBe(before + 1);
    expect(result.commit).toBe((await git(["--git-dir", bare, "rev-parse", "main"])).trim());
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain('"from-present"');
    expect(text).toContain('"new"');
    expect(text).not.toContain('"old-1"');
    expect(text).not.toContain('"old-2"');
    const message = await git(["--git-dir", bare, "log", "-1", "--format=%B", "main"]);
    expect(message).toContain(`present ${NAME} TXT "new"`);
    expect(message).toContain(`cleanup ${NAME} TXT "old-1"`);
    // bind reads the result with the new value and without the old ones.
    const file = join(scratch, "checked.domain");
    await writeFile(file, text);
    const dump = await namedCheckzone("example.com", file);
    expect(dump).toMatch(/_acme-challenge\.example\.com\.\s+600\s+IN\s+TXT\s+"new"/);
    expect(dump).not.toContain("old-1");
  });

  it("is idempotent: the same replace again makes no commit", async () => {
    const { bare, store } = await setup();
    await store.replace(NAME, "a", []);
    const count = await remoteCommitCount(bare);
    expect((await store.replace(NAME, "a", ["gone"])).commit).toBeUndefined();
    expect(await remoteCommitCount(bare)).toBe(count);
  });

  it("is never cut apart by the batch size limit", async () => {
    const sizes: number[] = [];
    const { bare, store } = await setup(2, (t) => sizes.push(t.size));
    await store.present(NAME, "x");
    await store.present(NAME, "y");
    // One change is in flight when the replace (three changes) is queued behind it.
    const first = store.present("_acme-challenge.www.example.com", "other");
    const replaced = store.replace(NAME, "z", ["x", "y"]);
    await Promise.all([first, replaced]);
    // The last batch holds the whole replace (three changes), whatever else shared it.
    expect(sizes.at(-1)).toBeGreaterThanOrEqual(3);
    const message = await git(["--git-dir", bare, "log", "-1", "--format=%B", "main"]);
    for (const line of [`present ${NAME} TXT "z"`, `cleanup ${NAME} TXT "x"`, `cleanup ${NAME} TXT "y"`]) {
      expect(message).toContain(line);
    }
    const text = await remoteFile(bare, "example.com.domain");
    expect(text).toContain('"z"');
    expect(text).not.toMatch(/"x"|"y"/);
  });
});

describe("AcmeDnsUpdates over the git store and PostgreSQL", () => {
  it("keeps the newest two /update values of a name in the zone file, and remembers just those", async () => {
    const t = await createTestDatabase("postgresql");
    try {
      await migrate(t.db.knex);
      const { bare, store } = await setup();
      const values = new AcmeDnsValues(t.db.knex);
      const updates = new AcmeDnsUpdates(values, store);
      for (const v of ["v1", "v2", "v3", "v4"]) await updates.update(NAME, v);
      const text = await remoteFile(bare, "example.com.domain");
      expect(text.match(/IN TXT "[^"]*"/g)).toEqual(['IN TXT "v3"', 'IN TXT "v4"']);
      // Sent again, v3 becomes the newest: the next value removes v4, not v3.
      await updates.update(NAME, "v3");
      await updates.update(NAME, "v5");
      expect((await remoteFile(bare, "example.com.domain")).match(/IN TXT "[^"]*"/g)).toEqual([
        'IN TXT "v3"',
        'IN TXT "v5"',
      ]);
      expect(await values.remember(NAME, "v5")).toEqual(["v5", "v3"]);
    } finally {
      await t.dispose();
    }
  });
});
