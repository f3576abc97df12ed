import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitRecordStore, type GitRecordStore } from "../../src/dns/git-record-store.js";
import { DnsBackendError } from "../../src/errors.js";
import { git, makeBareRepo, makeTempDir, namedCheckzone, remoteFile, silentLogger } from "./git-fixtures.js";

let scratch: string;
beforeAll(async () => {
  scratch = await makeTempDir("git-store-race-");
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("three writers sharing one remote", () => {
  it("land all 300 concurrent presents across 30 zones, once each, in valid zone files", async () => {
    const zones = Array.from({ length: 30 }, (_, i) => `zone${i}.example`);
    const bare = await makeBareRepo(scratch, zones, "shared.git");
    const stores: GitRecordStore[] = [0, 1, 2].map((i) =>
      createGitRecordStore({
        repo: `file://${bare}`,
        dataDir: join(scratch, `replica-${i}`),
        logger: silentLogger,
      }),
    );
    await Promise.all(stores.map((s) => s.start()));
    const calls = Array.from({ length: 300 }, (_, i) => ({
      store: stores[i % 3] as GitRecordStore,
      fqdn: `_acme-challenge.host${i % 7}.zone${i % 30}.example`,
      value: `value-${i.toString().padStart(3, "0")}`,
    }));
    const results = await Promise.allSettled(calls.map((c) => c.store.present(c.fqdn, c.value)));
    await Promise.all(stores.map((s) => s.close()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const checkDir = join(scratch, "check");
    await git(["clone", "--quiet", `file://${bare}`, checkDir]);
    let total = 0;
    for (const zone of zones) {
      const text = await remoteFile(bare, `${zone}.domain`);
      const lines = text.split("\n").filter((l) => l.includes(" TXT "));
      expect(new Set(lines).size).toBe(lines.length);
      total += lines.length;
      const dump = await namedCheckzone(zone, join(checkDir, `${zone}.domain`));
      for (const c of calls.filter((c) => c.fqdn.endsWith(`.${zone}`))) {
        expect(dump).toContain(`"${c.value}"`);
      }
    }
    expect(total).toBe(300);
  });
});

describe("when the remote disappears mid-run", () => {
  it("fails exactly the changes that did not land, keeps the clone clean, and recovers", async () => {
    const bare = await makeBareRepo(scratch, ["example.com"], "flaky.git");
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(scratch, "flaky-data"),
      logger: silentLogger,
    });
    const landed: string[] = [];
    const failed: { value: string; error: unknown }[] = [];
    let i = 0;
    const attempt = async (): Promise<void> => {
      const value = `v${i++}`;
      try {
        await store.present("_acme-challenge.example.com", value);
        landed.push(value);
      } catch (error) {
        failed.push({ value, error });
      }
    };
    for (let n = 0; n < 3; n += 1) await attempt();
    await rename(bare, `${bare}.away`);
    // a few concurrent callers while it is gone: they may share a batch, all must fail
    await Promise.all([attempt(), attempt(), attempt()]);
    await attempt();
    // the clone is clean: no stray edits, no unpushed commit
    expect(await git(["status", "--porcelain"], store.cloneDir)).toBe("");
    expect(await git(["rev-parse", "HEAD"], store.cloneDir)).toBe(
      await git(["rev-parse", "refs/remotes/origin/main"], store.cloneDir),
    );
    expect((await store.health()).ok).toBe(false);
    await rename(`${bare}.away`, bare);
    for (let n = 0; n < 2; n += 1) await attempt();
    await store.close();

    expect(landed).toEqual(["v0", "v1", "v2", "v7", "v8"]);
    expect(failed.map((f) => f.value).sort()).toEqual(["v3", "v4", "v5", "v6"]);
    for (const f of failed) {
      expect(f.error).toBeInstanceOf(DnsBackendError);
      const err = f.error as DnsBackendError;
      expect(err.status).toBe(503);
      expect(err.message).toContain(`file://${bare}`);
      expect(err.message).toMatch(/does not appear to be a git repository/);
    }
    const text = await remoteFile(bare, "example.com.domain");
    for (const v of landed) expect(text).toContain(`"${v}"`);
    for (const f of failed) expect(text).not.toContain(`"${f.value}"`);
  });

  it("starts clean after a crash left an unpushed commit and a half-written file in its clone", async () => {
    const bare = await makeBareRepo(scratch, ["example.org"], "crash.git");
    const options = { repo: `file://${bare}`, dataDir: join(scratch, "crash-data"), logger: silentLogger };
    const first = createGitRecordStore(options);
    await first.present("_acme-challenge.example.org", "before");
    await first.close();
    // what a kill -9 between commit and push, and during the next write, leaves behind
    await writeFile(join(first.cloneDir, "example.org.domain"), "unpushed change\n");
    await git(["commit", "--quiet", "-am", "never pushed"], first.cloneDir);
    await writeFile(join(first.cloneDir, "example.org.domain"), "half-written garbage");
    const second = createGitRecordStore(options);
    await second.present("_acme-challenge.example.org", "after");
    await second.close();
    const text = await remoteFile(bare, "example.org.domain");
    expect(text).toContain('"before"');
    expect(text).toContain('"after"');
    expect(text).not.toContain("garbage");
    expect(text).not.toContain("unpushed");
  });
});

describe("under steady load", () => {
  it("still compacts the clone when the queue never runs empty between batches", async () => {
    const bare = await makeBareRepo(scratch, ["example.com"], "steady.git");
    const registry = new Registry();
    const store = createGitRecordStore({
      repo: `file://${bare}`,
      dataDir: join(scratch, "steady-data"),
      logger: silentLogger,
      metrics: registry,
      // One change per batch and a compaction due every 2 batches: 12 changes sent at once keep
      // the queue non-empty after every batch but the last.
      maxBatchSize: 1,
      maintenanceEvery: 2,
    });
    await store.start();
    const values = Array.from({ length: 12 }, (_, i) => `steady-${i}`);
    await Promise.all(values.map((v) => store.present("_acme-challenge.steady.example.com", v)));
    await store.close();
    const text = await registry.getSingleMetricAsString("hlp_git_maintenance_seconds");
    const runs = Number(/hlp_git_maintenance_seconds_count\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
    // Overdue at 4 batches (twice the interval) however busy: after batches 4, 8 and 12. Waiting
    // for an empty queue alone would compact once, after the last.
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(text).not.toMatch(/outcome="error"\} [1-9]/);
    const zone = await remoteFile(bare, "example.com.domain");
    for (const v of values) expect(zone).toContain(`"${v}"`);
  });
});
