/**
 * Objects built in process must be the objects git would build: same ids, same bytes, and
 * commits that `git fsck --strict` accepts, since the remote may check them on receive.
 */
import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanIdentity,
  commitBody,
  GitObjectError,
  gitObject,
  parseTree,
  replaceBlobs,
  serializeTree,
  type TreeEntry,
} from "../../src/dns/git-wire/git-objects.js";
import { makeTempDir, zoneText } from "./git-fixtures.js";
import { gitRaw, gitText, runRaw } from "./git-wire-fixtures.js";

let scratch: string;
/** A work repository whose root tree has every kind of entry the store may meet. */
let repo: string;
let treeId: string;
let treeBytes: Buffer;

/** `caf\xe9.txt`: a latin1 e-acute, invalid as UTF-8. */
const LATIN1_NAME = Buffer.concat([Buffer.from("caf"), Buffer.from([0xe9]), Buffer.from(".txt")]);

beforeAll(async () => {
  scratch = await makeTempDir("git-wire-obj-");
  repo = join(scratch, "work");
  await mkdir(join(repo, "sub"), { recursive: true });
  await gitRaw(["init", "--quiet", "--initial-branch", "main", repo]);
  await writeFile(join(repo, "example.com.domain"), zoneText("example.com"));
  await writeFile(join(repo, "README.md"), "DNS zones\n");
  await writeFile(join(repo, "sub", "nested.txt"), "nested\n");
  await writeFile(join(repo, "deploy.sh"), "#!/bin/sh\nexit 0\n");
  await chmod(join(repo, "deploy.sh"), 0o755);
  await symlink("example.com.domain", join(repo, "link.domain"));
  await writeFile(Buffer.concat([Buffer.from(`${repo}/`), LATIN1_NAME]), "latin1 name\n");
  await gitRaw(["add", "."], { cwd: repo });
  await gitRaw(["commit", "--quiet", "-m", "every kind of entry"], { cwd: repo });
  treeId = await gitText(["rev-parse", "HEAD^{tree}"], { cwd: repo });
  treeBytes = await gitRaw(["cat-file", "tree", treeId], { cwd: repo });
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const t0 = new Date("2026-11-25T12:00:00Z");

describe("gitObject", () => {
  it.each([
    ["empty", Buffer.alloc(0)],
    ["a zone file", Buffer.from(zoneText("example.com"))],
    ["no trailing newline", Buffer.from("x")],
    ["bytes that are not UTF-8", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x00, 0xff, 0x0a])],
    ["CRLF line ends", Buffer.from("a\r\nb\r\n")],
    ["64 KiB", Buffer.alloc(65536, 0x7a)],
  ])("blob id of %s equals git hash-object", async (_, body) => {
    const expected = await gitText(["hash-object", "--stdin"], { input: body });
    const object = gitObject("blob", body);
    expect(object.id).toBe(expected);
    expect(object.type).toBe("blob");
    expect(object.body).toBe(body);
  });

  it("tree id of the re-serialized real tree equals git's", () => {
    expect(gitObject("tree", serializeTree(parseTree(treeBytes))).id).toBe(treeId);
  });
});

describe("parseTree and serializeTree on a real tree", () => {
  it("round-trip git's bytes exactly", () => {
    expect(serializeTree(parseTree(treeBytes)).equals(treeBytes)).toBe(true);
  });

  it("read every entry as git ls-tree lists it: mode, name bytes, id", async () => {
    // ls-tree -z prints "<mode> <type> <id>\t<name>\0" with the name's raw bytes
    const listing = await gitRaw(["ls-tree", "-z", treeId], { cwd: repo });
    const expected = listing
      .toString("latin1")
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const [meta, name] = line.split("\t") as [string, string];
        const [mode, , id] = meta.split(" ") as [string, string, string];
        // trees write directory modes without the leading zero
        return { mode: mode === "040000" ? "40000" : mode, name, id };
      });
    const entries = parseTree(treeBytes);
    expect(entries).toEqual(expected);
    expect(new Set(entries.map((e) => e.mode))).toEqual(new Set(["100644", "100755", "120000", "40000"]));
    expect(entries.find((e) => e.mode === "40000")?.name).toBe("sub");
    expect(entries.find((e) => e.mode === "120000")?.name).toBe("link.domain");
    expect(entries.find((e) => e.mode === "100755")?.name).toBe("deploy.sh");
    expect(entries.some((e) => e.name === LATIN1_NAME.toString("latin1"))).toBe(true);
  });

  it.each([
    ["a truncated id", (b: Buffer) => b.subarray(0, b.length - 1)],
    ["no NUL after the name", () => Buffer.from("100644 README.md")],
    ["no space after the mode", () => Buffer.from("100644")],
    ["trailing garbage", (b: Buffer) => Buffer.concat([b, Buffer.from("x")])],
  ])("refuses a tree with %s", (_, mangle) => {
    expect(() => parseTree(mangle(treeBytes))).toThrow(GitObjectError);
  });

  it("parses an empty tree to no entries, and serializes none to git's empty tree", async () => {
    expect(parseTree(Buffer.alloc(0))).toEqual([]);
    const empty = await gitText(["hash-object", "-t", "tree", "--stdin"], { input: "" });
    expect(gitObject("tree", serializeTree([])).id).toBe(empty);
  });

  it.each([
    ["short", "abc"],
    ["upper-case", "A".repeat(40)],
    ["SHA-256 length", "a".repeat(64)],
    ["not hex", "g".repeat(40)],
  ])("refuses to serialize an entry with a %s id", (_, id) => {
    expect(() => serializeTree([{ mode: "100644", name: "f", id }])).toThrow(GitObjectError);
  });
});

describe("replaceBlobs", () => {
  const newBlob = gitObject("blob", Buffer.from("replaced\n"));

  it("replaces only the named regular files, keeping order, and git reads the new tree", async () => {
    const before = parseTree(treeBytes);
    const names = ["README.md", "deploy.sh", LATIN1_NAME.toString("latin1")];
    const after = replaceBlobs(before, new Map(names.map((n) => [n, newBlob.id])));
    expect(after.map((e) => e.name)).toEqual(before.map((e) => e.name));
    for (const [i, e] of after.entries()) {
      const old = before[i] as TreeEntry;
      expect(e.mode).toBe(old.mode);
      expect(e.id).toBe(names.includes(e.name) ? newBlob.id : old.id);
    }
    // the executable bit survives the replacement
    expect(after.find((e) => e.name === "deploy.sh")?.mode).toBe("100755");
    // git writes the same tree after checking its format, and lists the new blob
    await gitRaw(["hash-object", "-w", "--stdin"], { cwd: repo, input: newBlob.body });
    const written = await gitText(["hash-object", "-t", "tree", "-w", "--stdin"], {
      cwd: repo,
      input: serializeTree(after),
    });
    expect(written).toBe(gitObject("tree", serializeTree(after)).id);
    expect(await gitText(["rev-parse", `${written}:README.md`], { cwd: repo })).toBe(newBlob.id);
    expect(await gitText(["rev-parse", `${written}:sub/nested.txt`], { cwd: repo })).toBe(
      await gitText(["rev-parse", `${treeId}:sub/nested.txt`], { cwd: repo }),
    );
  });

  it("returns the same entries for an empty map", () => {
    const before = parseTree(treeBytes);
    expect(replaceBlobs(before, new Map())).toEqual(before);
  });

  it.each([
    ["a name not in the tree", "missing.domain", /missing\.domain is not in the repository's top-level tree/],
    ["a name in another case", "readme.md", /readme\.md is not in the repository's top-level tree/],
    ["a nested path", "sub/nested.txt", /not in the repository's top-level tree/],
    ["a directory", "sub", /sub is not a regular file in the repository \(mode 40000\)/],
    ["a symlink", "link.domain", /link\.domain is not a regular file in the repository \(mode 120000\)/],
  ])("refuses %s", (_, name, message) => {
    const before = parseTree(treeBytes);
    const blobs = new Map([
      ["README.md", newBlob.id],
      [name, newBlob.id],
    ]);
    expect(() => replaceBlobs(before, blobs)).toThrow(GitObjectError);
    expect(() => replaceBlobs(before, blobs)).toThrow(message);
  });
});

describe("cleanIdentity", () => {
  it.each([
    ["httprequest-lego-provider", "httprequest-lego-provider"],
    ["  padded  ", "padded"],
    ["Eve <eve@example.com>", "Eve eve@example.com"],
    ["two\nlines", "twolines"],
    ["crlf\r\n", "crlf"],
    ["nul\0byte", "nulbyte"],
    ["<>", ""],
    ["Zo\u00eb \u00dcnic\u00f8de", "Zo\u00eb \u00dcnic\u00f8de"],
    // a forged header line cannot be smuggled into the commit
    ["x>\ncommitter evil <e> 0 +0000", "xcommitter evil e 0 +0000"],
  ])("%j -> %j", (input, expected) => {
    expect(cleanIdentity(input)).toBe(expected);
  });
});

describe("commitBody", () => {
  /** Writes blob, tree and commit with git, points main at the commit, and runs fsck --strict. */
  async function writeCommit(message: string, name: string, email: string, parents: string[] = []) {
    const dir = await makeTempDir("commit-", scratch);
    await gitRaw(["init", "--quiet", "--bare", "--initial-branch", "main", dir]);
    const blob = gitObject("blob", Buffer.from(zoneText("example.com")));
    const tree = gitObject(
      "tree",
      serializeTree([{ mode: "100644", name: "example.com.domain", id: blob.id }]),
    );
    await gitRaw(["hash-object", "-w", "--stdin"], { cwd: dir, input: blob.body });
    await gitRaw(["hash-object", "-t", "tree", "-w", "--stdin"], { cwd: dir, input: tree.body });
    const who = { name, email, when: t0 };
    const body = commitBody({ tree: tree.id, parents, author: who, committer: who, message });
    const commit = gitObject("commit", body);
    const written = await gitText(["hash-object", "-t", "commit", "-w", "--stdin"], {
      cwd: dir,
      input: body,
    });
    expect(written).toBe(commit.id);
    await gitRaw(["update-ref", "refs/heads/main", commit.id], { cwd: dir });
    const fsck = await runRaw("git", ["fsck", "--strict", "--no-dangling", "--no-progress"], { cwd: dir });
    return { dir, commit, tree, fsck };
  }

  it.each([
    ["plain", "httprequest-lego-provider", "httprequest-lego-provider@localhost"],
    ["non-ASCII name", "Zo\u00eb", "zoe@example.com"],
    ["brackets and a newline in the name", "Eve <x>\nauthor y", "eve@example.com"],
    ["spaces around the email", "n", "  e@x  "],
  ])("%s: passes fsck --strict and git log reads author and subject back", async (_, name, email) => {
    const { dir, fsck } = await writeCommit("Update ACME challenge records (1 change)", name, email);
    expect(fsck.stderr).toBe("");
    expect(fsck.code).toBe(0);
    const log = (await gitRaw(["log", "--format=%an/%ae/%s/%at/%ct", "main"], { cwd: dir })).toString("utf8");
    const seconds = t0.getTime() / 1000;
    expect(log).toBe(
      `${cleanIdentity(name)}/${cleanIdentity(email)}/Update ACME challenge records (1 change)/${seconds}/${seconds}\n`,
    );
  });

  it("keeps the message body and adds exactly one trailing newline", async () => {
    const message = 'Update (2 changes)\n\npresent _acme-challenge.example.com TXT "v"';
    const { dir, commit } = await writeCommit(message, "n", "e@x");
    expect(await gitText(["log", "-1", "--format=%b", "main"], { cwd: dir })).toBe(
      'present _acme-challenge.example.com TXT "v"',
    );
    expect(commit.body.toString("utf8").endsWith('"v"\n')).toBe(true);
    const already = commitBody({
      tree: commit.id,
      parents: [],
      author: { name: "n", email: "e", when: t0 },
      committer: { name: "n", email: "e", when: t0 },
      message: "done\n",
    });
    expect(already.toString("utf8").endsWith("\n\ndone\n")).toBe(true);
  });

  it("chains onto a parent: git sees the history, and the tree and author lines are git's format", async () => {
    const first = await writeCommit("first", "n", "e@x");
    const who = { name: "second author", email: "s@x", when: new Date("2026-11-25T12:00:01.999Z") };
    const body = commitBody({
      tree: first.tree.id,
      parents: [first.commit.id],
      author: who,
      committer: who,
      message: "second",
    });
    const id = await gitText(["hash-object", "-t", "commit", "-w", "--stdin"], {
      cwd: first.dir,
      input: body,
    });
    await gitRaw(["update-ref", "refs/heads/main", id], { cwd: first.dir });
    expect(await gitText(["rev-list", "--count", "main"], { cwd: first.dir })).toBe("2");
    expect(await gitText(["log", "-1", "--format=%P %T %at %ai", "main"], { cwd: first.dir })).toBe(
      `${first.commit.id} ${first.tree.id} ${t0.getTime() / 1000 + 1} 2026-11-25 12:00:01 +0000`,
    );
    const fsck = await runRaw("git", ["fsck", "--strict", "--no-dangling", "--no-progress"], {
      cwd: first.dir,
    });
    expect([fsck.code, fsck.stderr]).toEqual([0, ""]);
  });

  it("the fsck oracle is live: it rejects a commit whose author line is malformed", async () => {
    const { dir, tree } = await writeCommit("m", "n", "e@x");
    const bad = `tree ${tree.id}\nauthor n<e@x> 0 +0000\ncommitter n <e@x> 0 +0000\n\nbad\n`;
    const id = await gitText(["hash-object", "--literally", "-t", "commit", "-w", "--stdin"], {
      cwd: dir,
      input: bad,
    });
    await gitRaw(["update-ref", "refs/heads/main", id], { cwd: dir });
    const fsck = await runRaw("git", ["fsck", "--strict", "--no-dangling", "--no-progress"], { cwd: dir });
    expect(fsck.code).not.toBe(0);
    expect(fsck.stderr).toMatch(/missingSpaceBeforeEmail/);
  });

  const who = { name: "n", email: "e", when: t0 };
  const good = "a".repeat(40);
  it.each([
    ["a short tree id", { tree: "abc", parents: [] }],
    ["an upper-case tree id", { tree: "A".repeat(40), parents: [] }],
    ["a SHA-256 tree id", { tree: "a".repeat(64), parents: [] }],
    ["a bad parent id", { tree: good, parents: ["not-an-id"] }],
    ["a parent with a newline", { tree: good, parents: [`${good}\nauthor x`] }],
  ])("refuses %s", (_, ids) => {
    expect(() => commitBody({ ...ids, author: who, committer: who, message: "m" })).toThrow(GitObjectError);
  });
});
