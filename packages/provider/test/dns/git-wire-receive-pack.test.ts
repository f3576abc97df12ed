/**
 * The push itself: parsing what receive-pack says, reaching it the way git would (git's own
 * argv is the oracle for ssh), and real pushes into bare repositories, where every outcome an
 * operator sees (landed, lost a race, refused by a hook, unreachable, nonsense, hung) is checked
 * against the remote's actual state.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyGitFailure } from "../../src/dns/git-failure.js";
import {
  commitBody,
  type GitObject,
  gitObject,
  parseTree,
  replaceBlobs,
  serializeTree,
  type TreeEntry,
} from "../../src/dns/git-wire/git-objects.js";
import { buildPackFile } from "../../src/dns/git-wire/pack-file.js";
import { encodePktLine, FLUSH_PKT } from "../../src/dns/git-wire/pkt-line.js";
import {
  parseAdvertisement,
  parseStatusReport,
  pushWithReceivePack,
  type ReceivePackCommand,
  ReceivePackProtocolError,
  type ReceivePackResult,
  receivePackCommand,
  shellQuote,
  ZERO_ID,
} from "../../src/dns/git-wire/receive-pack.js";
import { makeBareRepo, makeTempDir, pushExternalChange, zoneText } from "./git-fixtures.js";
import { gitRaw, gitText, runRaw, WIRE_GIT_ENV } from "./git-wire-fixtures.js";

let scratch: string;

beforeAll(async () => {
  scratch = await makeTempDir("git-wire-rp-");
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const ID_A = "1".repeat(40);
const ID_B = "2".repeat(40);
const buf = (text: string) => Buffer.from(text, "latin1");

describe("parseAdvertisement", () => {
  const CAPS =
    "report-status delete-refs side-band-64k quiet atomic ofs-delta object-format=sha1 agent=git/2.39.5";

  it.each([
    {
      what: "refs with capabilities after a NUL on the first line",
      lines: [`${ID_A} refs/heads/main\0${CAPS}\n`, `${ID_B} refs/heads/dns\n`],
      refs: [
        ["refs/heads/main", ID_A],
        ["refs/heads/dns", ID_B],
      ],
      caps: CAPS.split(" "),
    },
    {
      what: "an empty repository: the zero id under capabilities^{}",
      lines: [`${ZERO_ID} capabilities^{}\0report-status object-format=sha1\n`],
      refs: [],
      caps: ["report-status", "object-format=sha1"],
    },
    {
      what: "alternates advertised as .have",
      lines: [`${ID_A} refs/heads/main\0report-status\n`, `${ID_B} .have\n`, `${ID_B} .have\n`],
      refs: [["refs/heads/main", ID_A]],
      caps: ["report-status"],
    },
    {
      what: "a first line without capabilities",
      lines: [`${ID_A} refs/heads/main\n`],
      refs: [["refs/heads/main", ID_A]],
      caps: [],
    },
    {
      what: "SHA-256 ids",
      lines: [`${"c".repeat(64)} refs/heads/main\0object-format=sha256\n`],
      refs: [["refs/heads/main", "c".repeat(64)]],
      caps: ["object-format=sha256"],
    },
    {
      what: "a shallow remote's boundary commits, which a push on top does not need",
      lines: [`${ID_A} refs/heads/main\0report-status\n`, `shallow ${ID_B}\n`],
      refs: [["refs/heads/main", ID_A]],
      caps: ["report-status"],
    },
    { what: "nothing at all", lines: [], refs: [], caps: [] },
  ])("$what", ({ lines, refs, caps }) => {
    const ad = parseAdvertisement(lines.map(buf));
    expect([...ad.refs]).toEqual(refs);
    expect([...ad.capabilities].sort()).toEqual([...caps].sort());
  });

  it.each([
    ["a line that is not <id> <ref>", "hello\n"],
    ["a short id", `${"1".repeat(39)} refs/heads/main\n`],
    ["an upper-case id", `${"A".repeat(40)} refs/heads/main\n`],
    ["a ref name with a space", `${ID_A} refs/heads/a b\n`],
    ["an error packet", "ERR access denied\n"],
  ])("refuses %s", (_, line) => {
    expect(() => parseAdvertisement([buf(`${ID_A} refs/heads/x\0report-status\n`), buf(line)])).toThrow(
      ReceivePackProtocolError,
    );
  });

  it("reads a real advertisement: refs equal git show-ref, report-status offered", async () => {
    const dir = await makeTempDir("adv-", scratch);
    const bare = await makeBareRepo(dir, ["example.com"]);
    await gitRaw(["--git-dir", bare, "branch", "dns", "main"]);
    const out = await gitRaw(["receive-pack", bare], { input: FLUSH_PKT });
    const lines: Buffer[] = [];
    for (let at = 0; ; ) {
      const length = Number.parseInt(out.subarray(at, at + 4).toString("ascii"), 16);
      if (length === 0) break;
      lines.push(out.subarray(at + 4, at + length));
      at += length;
    }
    const ad = parseAdvertisement(lines);
    const showRef = (await gitText(["--git-dir", bare, "show-ref"])).split("\n").map((l) => l.split(" "));
    expect([...ad.refs].map(([ref, id]) => [id, ref]).sort()).toEqual(showRef.sort());
    expect(ad.capabilities.has("report-status")).toBe(true);
    expect(ad.capabilities.has("object-format=sha1")).toBe(true);
  });
});

describe("parseStatusReport", () => {
  it.each([
    {
      what: "ok",
      lines: ["unpack ok", "ok refs/heads/main"],
      unpack: "ok",
      refs: [["refs/heads/main", { ok: true }]],
    },
    {
      what: "ng with a reason containing spaces",
      lines: ["unpack ok", "ng refs/heads/main pre-receive hook declined"],
      unpack: "ok",
      refs: [["refs/heads/main", { ok: false, reason: "pre-receive hook declined" }]],
    },
    {
      what: "an unpack error",
      lines: ["unpack index-pack abnormal exit", "ng refs/heads/main unpacker error"],
      unpack: "index-pack abnormal exit",
      refs: [["refs/heads/main", { ok: false, reason: "unpacker error" }]],
    },
    {
      what: "several refs",
      lines: ["unpack ok", "ok refs/heads/a", "ng refs/heads/b failed to update ref"],
      unpack: "ok",
      refs: [
        ["refs/heads/a", { ok: true }],
        ["refs/heads/b", { ok: false, reason: "failed to update ref" }],
      ],
    },
    { what: "unpack only", lines: ["unpack ok"], unpack: "ok", refs: [] },
  ])("$what", ({ lines, unpack, refs }) => {
    const report = parseStatusReport(lines);
    expect(report.unpack).toBe(unpack);
    expect([...report.refs]).toEqual(refs);
  });

  it.each([
    ["no lines", []],
    ["no unpack line", ["ok refs/heads/main"]],
    ["an empty unpack status", ["unpack ", "ok refs/heads/main"]],
    ["garbage after unpack", ["unpack ok", "garbage"]],
    ["ok with trailing text", ["unpack ok", "ok refs/heads/main extra"]],
    ["ng without a reason", ["unpack ok", "ng refs/heads/main"]],
  ])("refuses %s", (_, lines) => {
    expect(() => parseStatusReport(lines)).toThrow(ReceivePackProtocolError);
  });
});

describe("shellQuote", () => {
  it.each([
    ["/srv/dns.git", "'/srv/dns.git'"],
    ["", "''"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["wow!", "'wow'\\!''"],
    ["$HOME `x` \\n", "'$HOME `x` \\n'"],
  ])("%j -> %s", (text, quoted) => {
    expect(shellQuote(text)).toBe(quoted);
  });

  it.each(["/srv/dns.git", "it's", "a!b", "'!'", "$(touch /tmp/x) `id` ; rm -rf /", "tab\there", "\u00e9"])(
    "the shell reads %j back unchanged",
    async (text) => {
      const r = await runRaw("/bin/sh", ["-c", `printf '%s' ${shellQuote(text)}`]);
      expect(r.stdout.toString("utf8")).toBe(text);
    },
  );
});

describe("receivePackCommand", () => {
  it.each([
    ["file:///srv/dns.git", ["receive-pack", "--", "/srv/dns.git"]],
    ["file:///srv/dns%20zones.git", ["receive-pack", "--", "/srv/dns zones.git"]],
    ["file://localhost/srv/dns.git", ["receive-pack", "--", "/srv/dns.git"]],
    ["file:///-srv/dns.git", ["receive-pack", "--", "/-srv/dns.git"]],
  ])("%s runs git %j", (url, args) => {
    expect(receivePackCommand(url, undefined)).toEqual({ file: "git", args });
  });

  it.each([
    ["ssh://user@host:2222/path", undefined, ["-p", "2222", "--", "user@host", "git-receive-pack '/path'"]],
    ["ssh://host/~/repo.git", undefined, ["--", "host", "git-receive-pack '~/repo.git'"]],
    ["ssh://[::1]/r.git", undefined, ["--", "::1", "git-receive-pack '/r.git'"]],
    [
      "ssh://git@[::1]:2200/r.git",
      "ssh -i key",
      ["-p", "2200", "--", "git@::1", "git-receive-pack '/r.git'"],
    ],
    ["ssh://host/-oProxyCommand=x", undefined, ["--", "host", "git-receive-pack '/-oProxyCommand=x'"]],
  ])("%s with ssh command %j", (url, ssh, tail) => {
    const cmd = receivePackCommand(url, ssh);
    expect(cmd.file).toBe("/bin/sh");
    // exec, so that killing the process on a timeout kills ssh itself
    expect(cmd.args).toEqual(["-c", `exec ${ssh ?? "ssh"} "$@"`, "ssh", ...tail]);
  });

  it.each(["ssh://-oProxyCommand=touch%20x@host/r.git", "ssh://%2DoProxyCommand=x@host/r.git"])(
    "refuses %s (a user read as an ssh option)",
    (url) => {
      expect(() => receivePackCommand(url, undefined)).toThrow(/begins with "-"/);
    },
  );

  it.each(["https://example.com/dns.git", "http://example.com/dns.git", "git://example.com/dns.git"])(
    "has no direct path for %s",
    (url) => {
      expect(() => receivePackCommand(url, undefined)).toThrow(ReceivePackProtocolError);
    },
  );

  describe("runs ssh exactly as git push does", () => {
    let fakeSsh: string;
    let pusher: string;
    beforeAll(async () => {
      const dir = await makeTempDir("ssh-argv-", scratch);
      // records its argv, NUL-separated, then fails like an unreachable host
      fakeSsh = join(dir, "fake-ssh");
      await writeFile(
        fakeSsh,
        '#!/bin/sh\n: > "$ARGV_FILE"\nfor a in "$@"; do printf \'%s\\0\' "$a" >> "$ARGV_FILE"; done\nexit 255\n',
        { mode: 0o755 },
      );
      pusher = join(dir, "pusher");
      await gitRaw(["init", "--quiet", "--initial-branch", "main", pusher]);
      await gitRaw(["commit", "--quiet", "--allow-empty", "-m", "x"], { cwd: pusher });
    });

    async function argvOf(run: (env: Record<string, string>) => Promise<unknown>, file: string) {
      await run({ ARGV_FILE: file });
      return (await readFile(file, "utf8")).split("\0").slice(0, -1);
    }

    it.each([
      "ssh://host/srv/dns.git",
      "ssh://user@host:2222/srv/dns.git",
      "ssh://git@host/~/repo.git",
      "ssh://git@host/~user/repo.git",
      "ssh://host/srv/dns%20zones.git",
      "ssh://us%65r@host/x.git",
      "ssh://[::1]:2200/r.git",
      "ssh://host/it's!odd.git",
    ])("%s", async (url) => {
      const sshCommand = `${fakeSsh} -o BatchMode=yes`;
      const viaGit = await argvOf(
        (env) =>
          runRaw("git", ["push", url, "HEAD:main"], {
            cwd: pusher,
            env: { ...env, GIT_SSH_COMMAND: sshCommand, GIT_SSH_VARIANT: "ssh" },
          }),
        join(pusher, "git.argv"),
      );
      const cmd = receivePackCommand(url, sshCommand);
      const viaUs = await argvOf((env) => runRaw(cmd.file, cmd.args, { env }), join(pusher, "us.argv"));
      expect(viaGit.length).toBeGreaterThan(2);
      // The same argv, with "--" before the destination (git checks for a leading "-" instead).
      const destination = viaGit.length - 2;
      expect(viaUs).toEqual([...viaGit.slice(0, destination), "--", ...viaGit.slice(destination)]);
    });
  });
});

// ---- pushes into real bare repositories ----

const ENV = WIRE_GIT_ENV;
const WHEN = new Date("2026-11-25T12:00:00Z");

interface Built {
  readonly objects: GitObject[];
  readonly newId: string;
  readonly tree: TreeEntry[];
}

async function tipOf(bare: string, ref = "main"): Promise<{ commit: string; tree: TreeEntry[] }> {
  const commit = await gitText(["--git-dir", bare, "rev-parse", ref]);
  return {
    commit,
    tree: parseTree(await gitRaw(["--git-dir", bare, "cat-file", "tree", `${commit}^{tree}`])),
  };
}

/** What the store builds: a new zone file blob, the top-level tree, a commit on the tip. */
function build(
  base: { commit: string; tree: readonly TreeEntry[] },
  text: string,
  message = "update",
): Built {
  const blob = gitObject("blob", Buffer.from(text, "latin1"));
  const tree = replaceBlobs(base.tree, new Map([["example.com.domain", blob.id]]));
  const treeObject = gitObject("tree", serializeTree(tree));
  const who = { name: "httprequest-lego-provider", email: "httprequest-lego-provider@localhost", when: WHEN };
  const commit = gitObject(
    "commit",
    commitBody({ tree: treeObject.id, parents: [base.commit], author: who, committer: who, message }),
  );
  return { objects: [blob, treeObject, commit], newId: commit.id, tree };
}

async function freshBare(name = "remote.git"): Promise<{ dir: string; bare: string; url: string }> {
  const dir = await makeTempDir("push-", scratch);
  const bare = await makeBareRepo(dir, ["example.com"], name);
  // the remote checks what it receives, as a careful server would
  await gitRaw(["--git-dir", bare, "config", "receive.fsckObjects", "true"]);
  return { dir, bare, url: `file://${encodeURI(bare)}` };
}

async function push(
  command: ReceivePackCommand,
  base: { commit: string },
  built: Pick<Built, "objects" | "newId">,
  extra: { ref?: string; timeoutMs?: number; pack?: () => Buffer } = {},
): Promise<{ result: ReceivePackResult; packCalls: number }> {
  let packCalls = 0;
  const result = await pushWithReceivePack({
    command,
    env: ENV,
    ref: extra.ref ?? "refs/heads/main",
    oldId: base.commit,
    newId: built.newId,
    pack: () => {
      packCalls += 1;
      return extra.pack ? extra.pack() : buildPackFile(built.objects);
    },
    timeoutMs: extra.timeoutMs ?? 30_000,
  });
  return { result, packCalls };
}

async function fsckStrict(bare: string): Promise<[number | null, string]> {
  const r = await runRaw("git", ["--git-dir", bare, "fsck", "--strict", "--no-dangling", "--no-progress"]);
  return [r.code, r.stderr];
}

describe("pushWithReceivePack into a real bare repository", () => {
  it("updated: the remote's branch is our commit, with our content, and fsck --strict is clean", async () => {
    // a path with a space, reached through a %20 URL as the store's setting spells it
    const { bare, url } = await freshBare("dns zones.git");
    expect(url).toContain("%20");
    const base = await tipOf(bare);
    const text = `${zoneText("example.com", "2026112500")}_acme-challenge 600 IN TXT "landed"\n`;
    const built = build(base, text, "Update ACME challenge records (1 change)");
    const { result, packCalls } = await push(receivePackCommand(url, undefined), base, built);
    expect(result).toEqual({ status: "updated" });
    expect(packCalls).toBe(1);
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(built.newId);
    expect((await gitRaw(["--git-dir", bare, "show", "main:example.com.domain"])).toString("latin1")).toBe(
      text,
    );
    expect(await gitText(["--git-dir", bare, "show", "main:README.md"])).toBe("DNS zones");
    expect(await gitText(["--git-dir", bare, "log", "-1", "--format=%an <%ae> %P|%s", "main"])).toBe(
      `httprequest-lego-provider <httprequest-lego-provider@localhost> ${base.commit}|Update ACME challenge records (1 change)`,
    );
    expect(await fsckStrict(bare)).toEqual([0, ""]);
  });

  it("updated twice in a row from the in-memory tip, without reading the remote in between", async () => {
    const { bare, url } = await freshBare();
    const base = await tipOf(bare);
    const first = build(base, `${zoneText("example.com")}a IN TXT "1"\n`);
    expect((await push(receivePackCommand(url, undefined), base, first)).result.status).toBe("updated");
    const next = { commit: first.newId, tree: first.tree };
    const second = build(next, `${zoneText("example.com")}a IN TXT "1"\nb IN TXT "2"\n`);
    expect((await push(receivePackCommand(url, undefined), next, second)).result.status).toBe("updated");
    expect(await gitText(["--git-dir", bare, "rev-list", "--count", "main"])).toBe("3");
    expect(await gitText(["--git-dir", bare, "show", "main:example.com.domain"])).toContain('b IN TXT "2"');
    expect(await fsckStrict(bare)).toEqual([0, ""]);
  });

  it("keeps zone bytes that are not UTF-8 exactly", async () => {
    const { bare, url } = await freshBare();
    const base = await tipOf(bare);
    const text = `; caf\u00e9 in latin1\n${zoneText("example.com")}`;
    const built = build(base, text);
    expect((await push(receivePackCommand(url, undefined), base, built)).result.status).toBe("updated");
    const stored = await gitRaw(["--git-dir", bare, "show", "main:example.com.domain"]);
    expect(stored.equals(Buffer.from(text, "latin1"))).toBe(true);
    expect(stored.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
  });

  it("stale: another writer pushed first -> the remote's id, no pack built, remote unchanged", async () => {
    const { dir, bare, url } = await freshBare();
    const base = await tipOf(bare);
    const built = build(base, `${zoneText("example.com")}ours IN TXT "x"\n`);
    await pushExternalChange(bare, "example.com.domain", "external IN A 192.0.2.99\n", dir);
    const theirs = await gitText(["--git-dir", bare, "rev-parse", "main"]);
    expect(theirs).not.toBe(base.commit);
    const { result, packCalls } = await push(receivePackCommand(url, undefined), base, built);
    expect(result).toEqual({ status: "stale", remoteId: theirs });
    expect(packCalls).toBe(0);
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(theirs);
    // nothing of ours reached the remote's object store
    const has = await runRaw("git", ["--git-dir", bare, "cat-file", "-e", built.newId]);
    expect(has.code).not.toBe(0);
  });

  it("stale: the branch does not exist at the remote -> remoteId undefined, no pack built", async () => {
    const { bare, url } = await freshBare();
    const base = await tipOf(bare);
    const built = build(base, `${zoneText("example.com")}x IN TXT "x"\n`);
    const { result, packCalls } = await push(receivePackCommand(url, undefined), base, built, {
      ref: "refs/heads/nope",
    });
    expect(result).toEqual({ status: "stale", remoteId: undefined });
    expect(packCalls).toBe(0);
    expect(await gitText(["--git-dir", bare, "for-each-ref", "--format=%(refname)"])).toBe("refs/heads/main");
  });

  it.each([
    ["pre-receive", "#!/bin/sh\necho 'branch is frozen' >&2\nexit 1\n", "pre-receive hook declined"],
    ["update", "#!/bin/sh\necho 'no changes to zones today'\nexit 1\n", "hook declined"],
  ])("refused by a %s hook: the remote's reason, remote unchanged", async (hook, script, reason) => {
    const { bare, url } = await freshBare();
    await writeFile(join(bare, "hooks", hook), script, { mode: 0o755 });
    const base = await tipOf(bare);
    const built = build(base, `${zoneText("example.com")}x IN TXT "refused"\n`);
    const { result } = await push(receivePackCommand(url, undefined), base, built);
    expect(result).toEqual({ status: "refused", reason, output: expect.any(String) });
    // what the hook said is kept: it is usually what tells the operator what to do
    expect((result as { output: string }).output).toContain(
      script.includes("frozen") ? "branch is frozen" : "no changes to zones today",
    );
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(base.commit);
  });

  it("updated into a shallow remote (one cloned with --depth 1)", async () => {
    const { dir, bare } = await freshBare();
    await pushExternalChange(bare, "example.com.domain", "external IN A 192.0.2.99\n", dir);
    const shallow = join(dir, "shallow.git");
    await gitRaw(["clone", "--quiet", "--bare", "--depth", "1", `file://${bare}`, shallow]);
    const base = await tipOf(shallow);
    const built = build(base, `${zoneText("example.com")}x IN TXT "on a shallow remote"\n`);
    const { result } = await push(receivePackCommand(`file://${shallow}`, undefined), base, built);
    expect(result).toEqual({ status: "updated" });
    expect(await gitText(["--git-dir", shallow, "rev-parse", "main"])).toBe(built.newId);
  });

  it("refused because the ref moved during the push: the reason reads as a race, which the store retries", async () => {
    const { dir, bare, url } = await freshBare();
    const base = await tipOf(bare);
    await pushExternalChange(bare, "example.com.domain", "external IN A 192.0.2.99\n", dir);
    const theirs = await gitText(["--git-dir", bare, "rev-parse", "main"]);
    await gitRaw(["--git-dir", bare, "update-ref", "refs/heads/main", base.commit]);
    // after the advertisement (which shows base) and before the ref lock, the ref moves on
    await writeFile(join(bare, "hooks", "update"), `#!/bin/sh\ngit update-ref refs/heads/main ${theirs}\n`, {
      mode: 0o755,
    });
    const built = build(base, `${zoneText("example.com")}x IN TXT "raced"\n`);
    const { result } = await push(receivePackCommand(url, undefined), base, built);
    expect(result.status).toBe("refused");
    // the pattern commitAndPushDirect uses to tell a lost race from a policy refusal
    expect((result as { reason: string }).reason).toMatch(
      /lock|incorrect old value|failed to update|expected/,
    );
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(theirs);
  });

  // Either way the branch must not move: with receive.fsckObjects the unpack itself fails,
  // without it the connectivity check refuses the ref.
  it.each([
    ["true", { status: "failed", output: expect.stringMatching(/remote unpack failed/) }],
    ["false", { status: "refused", reason: "missing necessary objects", output: expect.any(String) }],
  ])(
    "a pack lacking the commit's tree and blob (receive.fsckObjects=%s) never moves the branch",
    async (fsck, expected) => {
      const { bare, url } = await freshBare();
      await gitRaw(["--git-dir", bare, "config", "receive.fsckObjects", fsck]);
      const base = await tipOf(bare);
      const built = build(base, `${zoneText("example.com")}x IN TXT "partial"\n`);
      const commitOnly = built.objects.filter((o) => o.type === "commit");
      const { result } = await push(receivePackCommand(url, undefined), base, built, {
        pack: () => buildPackFile(commitOnly),
      });
      expect(result).toEqual(expected);
      expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(base.commit);
    },
  );

  it("failed when the remote cannot unpack what was sent", async () => {
    const { bare, url } = await freshBare();
    const base = await tipOf(bare);
    const built = build(base, `${zoneText("example.com")}x IN TXT "corrupt"\n`);
    const { result } = await push(receivePackCommand(url, undefined), base, built, {
      pack: () => Buffer.from("PACK not really a pack"),
    });
    expect(result.status).toBe("failed");
    expect((result as { output: string }).output).toMatch(/remote unpack failed/);
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(base.commit);
  });

  it("updated even when receive-pack dies after reporting (post-receive kills it)", async () => {
    const { bare, url } = await freshBare();
    await writeFile(join(bare, "hooks", "post-receive"), "#!/bin/sh\nkill -9 $PPID\n", { mode: 0o755 });
    const base = await tipOf(bare);
    const built = build(base, `${zoneText("example.com")}x IN TXT "landed"\n`);
    const { result } = await push(receivePackCommand(url, undefined), base, built);
    expect(result).toEqual({ status: "updated" });
    expect(await gitText(["--git-dir", bare, "rev-parse", "main"])).toBe(built.newId);
  });

  it("failed for a missing repository: the output names the path and classifies as not-found", async () => {
    const dir = await makeTempDir("missing-", scratch);
    const path = join(dir, "gone.git");
    const base = { commit: ID_A, tree: [] };
    const built = { objects: [], newId: ID_B };
    const { result, packCalls } = await push(receivePackCommand(`file://${path}`, undefined), base, built);
    expect(result.status).toBe("failed");
    const output = (result as { output: string }).output;
    expect(output).toContain(path);
    expect(classifyGitFailure(output).kind).toBe("not-found");
    expect(packCalls).toBe(0);
  });
});

describe("pushWithReceivePack against a remote that misbehaves", () => {
  let fake: string;
  beforeAll(async () => {
    fake = await makeTempDir("fake-", scratch);
  });

  /** A "remote" that prints `before`, reads everything we send, then prints `after`. */
  async function scripted(name: string, before: Buffer, after: Buffer = Buffer.alloc(0)) {
    const dir = join(fake, name);
    await mkdir(dir);
    await writeFile(join(dir, "before"), before);
    await writeFile(join(dir, "after"), after);
    await writeFile(join(dir, "received"), "");
    return {
      command: {
        file: "/bin/sh",
        args: ["-c", 'cat "$0/before"; cat > "$0/received"; cat "$0/after"', dir],
      },
      received: () => readFile(join(dir, "received")),
    };
  }

  const pkts = (...lines: string[]) =>
    Buffer.concat([...lines.map((l) => encodePktLine(`${l}\n`)), FLUSH_PKT]);
  const advert = (caps: string) => pkts(`${ID_A} refs/heads/main\0${caps}`);
  const built = { objects: [gitObject("blob", Buffer.from("x"))], newId: ID_B };

  it.each([
    {
      what: "garbage instead of pkt-lines",
      before: buf("garbage\n"),
      after: undefined,
      output: /invalid pkt-line length "garb"/,
    },
    {
      what: "a pkt-line that is not a ref",
      before: pkts("hello"),
      after: undefined,
      output: /unexpected ref advertisement line "hello"/,
    },
    {
      what: "no report-status capability",
      before: advert("delete-refs ofs-delta"),
      after: undefined,
      output: /cannot report the push status/,
    },
    {
      what: "a SHA-256 repository",
      before: advert("report-status object-format=sha256"),
      after: undefined,
      output: /uses object-format=sha256/,
    },
    {
      what: "a report without the unpack line",
      before: advert("report-status"),
      after: pkts("ok refs/heads/main"),
      output: /report-status did not start with "unpack"/,
    },
    {
      what: "a report about another branch only",
      before: advert("report-status"),
      after: pkts("unpack ok", "ok refs/heads/other"),
      output: /did not report on our branch/,
    },
    {
      what: "an unpack failure",
      before: advert("report-status"),
      after: pkts("unpack index-pack abnormal exit", "ng refs/heads/main unpacker error"),
      output: /remote unpack failed: index-pack abnormal exit/,
    },
    {
      what: "an advertisement and then silence",
      before: advert("report-status"),
      after: Buffer.alloc(0),
      output: /receive-pack ended \(exit 0\) before reporting the push status/,
    },
  ])("failed: $what", async ({ what, before, after, output }) => {
    const remote = await scripted(what.replace(/\W+/g, "-"), before, after);
    const { result } = await push(remote.command, { commit: ID_A }, built);
    expect(result.status).toBe("failed");
    expect((result as { output: string }).output).toMatch(output);
  });

  it("sends the update command, a flush and the pack when the advertisement matches", async () => {
    const remote = await scripted("sends", advert("report-status"), pkts("unpack ok", "ok refs/heads/main"));
    const { result, packCalls } = await push(remote.command, { commit: ID_A }, built);
    expect(result).toEqual({ status: "updated" });
    expect(packCalls).toBe(1);
    const sent = await remote.received();
    const update = encodePktLine(
      `${ID_A} ${ID_B} refs/heads/main\0report-status agent=httprequest-lego-provider\n`,
    );
    expect(sent.equals(Buffer.concat([update, FLUSH_PKT, buildPackFile(built.objects)]))).toBe(true);
  });

  it("sends only a flush (no update, no pack) when the branch moved", async () => {
    const remote = await scripted("moved", pkts(`${ID_B} refs/heads/main\0report-status`));
    const { result, packCalls } = await push(remote.command, { commit: ID_A }, built);
    expect(result).toEqual({ status: "stale", remoteId: ID_B });
    expect(packCalls).toBe(0);
    expect((await remote.received()).equals(FLUSH_PKT)).toBe(true);
  });

  it("failed with the remote's stderr and exit status when it exits early", async () => {
    const { result } = await push(
      { file: "/bin/sh", args: ["-c", "echo 'fatal: the sky fell' >&2; exit 3"] },
      { commit: ID_A },
      built,
    );
    expect(result.status).toBe("failed");
    expect((result as { output: string }).output).toMatch(/fatal: the sky fell\n[\s\S]*\(exit 3\)/);
  });

  it("failed when the command prints garbage (e.g. a login banner on stdout)", async () => {
    const { result } = await push({ file: "/bin/sh", args: ["-c", "echo garbage"] }, { commit: ID_A }, built);
    expect(result.status).toBe("failed");
    expect((result as { output: string }).output).toMatch(/error: invalid pkt-line length/);
  });

  it("failed when the command cannot be run", async () => {
    const missing = join(fake, "no-such-program");
    const { result } = await push({ file: missing, args: [] }, { commit: ID_A }, built);
    expect(result.status).toBe("failed");
    expect((result as { output: string }).output).toContain(`cannot run ${missing}`);
  });

  it("failed after the timeout when the remote hangs, and the process is killed", async () => {
    const pidFile = join(fake, "hang.pid");
    const started = performance.now();
    const { result } = await push(
      // exec keeps the pid, so the recorded pid is the process that hangs
      { file: "/bin/sh", args: ["-c", 'echo $$ > "$0"; exec sleep 30', pidFile] },
      { commit: ID_A },
      built,
      { timeoutMs: 300 },
    );
    const elapsed = performance.now() - started;
    expect(result).toEqual({ status: "failed", output: "error: push timed out after 300 ms" });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5000);
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    expect(await gone(pid)).toBe(true);
  });

  it("kills a hung ssh too, not only the shell that started it", async () => {
    const pidFile = join(fake, "ssh-hang.pid");
    // stands in for GIT_SSH_COMMAND: records the pid of the ssh process, then never answers
    const sshCommand = `sh -c 'echo $$ > ${pidFile}; exec sleep 30' fake-ssh`;
    const { result } = await push(
      receivePackCommand("ssh://git@host/dns.git", sshCommand),
      { commit: ID_A },
      built,
      {
        timeoutMs: 300,
      },
    );
    expect(result).toEqual({ status: "failed", output: "error: push timed out after 300 ms" });
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    expect(await gone(pid)).toBe(true);
  });
});

/** True once `pid` no longer exists (a killed child is reaped by Node shortly after). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
