import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { gitRevision } from "../src/git-revision.js";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "../bin/git-revision.sh");

async function repo(): Promise<{ dir: string; head: string }> {
  const dir = await mkdtemp(join(tmpdir(), "git-revision-"));
  const git = (...args: string[]) =>
    execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.test", ...args], { cwd: dir });
  await git("init", "-q");
  await writeFile(join(dir, "a.txt"), "a\n");
  await git("add", "a.txt");
  await git("commit", "-qm", "a");
  return { dir, head: (await git("rev-parse", "HEAD")).stdout.trim() };
}

describe("the recorded git revision", () => {
  it("is HEAD, and dirty only when a tracked file changed (untracked files do not count)", async () => {
    const { dir, head } = await repo();
    await writeFile(join(dir, "untracked.txt"), "x");
    expect(await gitRevision(dir, {})).toEqual({ revision: head, dirty: false });
    expect((await execa("sh", [SCRIPT], { cwd: dir })).stdout).toBe(head);

    await writeFile(join(dir, "a.txt"), "changed\n");
    expect(await gitRevision(dir, {})).toEqual({ revision: head, dirty: true });
    expect((await execa("sh", [SCRIPT], { cwd: dir })).stdout).toBe(`${head}-dirty`);
  });

  it("comes from GIT_REVISION when pnpm build passes it, which is what turbo hashes", async () => {
    const { dir } = await repo();
    expect(await gitRevision(dir, { GIT_REVISION: `${"c".repeat(40)}-dirty` })).toEqual({
      revision: "c".repeat(40),
      dirty: true,
    });
    await expect(gitRevision(dir, { GIT_REVISION: "main" })).rejects.toThrow(/not <sha>\[-dirty\]/);
  });

  it("is 'unknown' outside a git checkout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "no-git-"));
    expect(await gitRevision(dir, {})).toEqual({ revision: "unknown", dirty: false });
    expect(
      (await execa("sh", [SCRIPT], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: tmpdir() } })).stdout,
    ).toBe("unknown");
  });
});
