import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ZONE, ensureDemoRepository } from "../../src/dns/demo-repository.js";
import { createGitRecordStore } from "../../src/dns/git-record-store.js";
import { git, makeTempDir, namedCheckzone, silentLogger } from "./git-fixtures.js";

let scratch: string;
beforeAll(async () => {
  scratch = await makeTempDir("git-demo-");
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("ensureDemoRepository", () => {
  it("creates a bare repository with a valid example.test zone once, and the store can use it", async () => {
    const dataDir = join(scratch, ".data");
    const url = await ensureDemoRepository(dataDir);
    expect(url).toBe(`file://${join(dataDir, "demo-dns.git")}`);
    const head = await git(["--git-dir", join(dataDir, "demo-dns.git"), "rev-parse", "main"]);
    // a second call (next start) keeps the repository and its history
    const store = createGitRecordStore({ repo: url, dataDir, logger: silentLogger });
    await store.present(`_acme-challenge.www.${DEMO_ZONE}`, "demo-value");
    await store.close();
    expect(await ensureDemoRepository(dataDir)).toBe(url);
    const log = await git(["--git-dir", join(dataDir, "demo-dns.git"), "log", "--format=%H", "main"]);
    expect(log.trim().split("\n")).toHaveLength(2);
    expect(log).toContain(head.trim());
    const check = join(scratch, "check");
    await git(["clone", "--quiet", url, check]);
    const dump = await namedCheckzone(DEMO_ZONE, join(check, `${DEMO_ZONE}.domain`));
    expect(dump).toMatch(/_acme-challenge\.www\.example\.test\.\s+600\s+IN\s+TXT\s+"demo-value"/);
  });
});
