import { describe, expect, it } from "vitest";
import { isPrunedAppPath, pointsOutside } from "../src/app-layer.js";
import { isPrunedBasePath } from "../src/debian/base-packages.js";
import { buildLayerEntries, compareBytes, fileEntry, ROOT, type TreeNode } from "../src/layer/entries.js";
import { rockLayerEntries, withLine } from "../src/rock-layer.js";

function node(relPath: string, kind: TreeNode["kind"], extra: Partial<TreeNode> = {}): TreeNode {
  return {
    relPath,
    absPath: `/stage/${relPath}`,
    kind,
    mode: kind === "directory" ? 0o755 : 0o644,
    size: 3,
    ...extra,
  };
}

describe("buildLayerEntries", () => {
  it("orders entries byte-wise with every directory before its children, whatever the walk order", () => {
    const nodes = [node("a/b", "file"), node("a-c", "file"), node("a", "directory"), node("B", "file")];
    const paths = buildLayerEntries([{ nodes, prefix: "", owner: () => ROOT }]).map((e) => e.path);
    expect(paths).toEqual(["B", "a", "a-c", "a/b"]);
    expect([...paths].sort(compareBytes)).toEqual(paths);
  });

  it("places a tree under its prefix and adds missing parent directories as root 0755", () => {
    const entries = buildLayerEntries([
      { nodes: [node("dist/cli.js", "file")], prefix: "app", owner: () => ROOT },
    ]);
    expect(entries.map((e) => [e.path, e.type, e.mode, e.uid])).toEqual([
      ["app", "directory", 0o755, 0],
      ["app/dist", "directory", 0o755, 0],
      ["app/dist/cli.js", "file", 0o644, 0],
    ]);
  });

  it("stores byte-identical files once, as hard links to the first path", () => {
    const nodes = [
      node("usr/lib/git-core/git", "file", { linkKey: "sha256:aa" }),
      node("usr/bin/git", "file", { linkKey: "sha256:aa" }),
    ];
    const entries = buildLayerEntries([{ nodes, prefix: "", owner: () => ROOT }]);
    const bin = entries.find((e) => e.path === "usr/bin/git");
    const core = entries.find((e) => e.path === "usr/lib/git-core/git");
    // The tar must hold the data before any link to it, so the byte-wise first path keeps the data.
    expect(bin?.type).toBe("file");
    expect(core).toMatchObject({ type: "link", target: "usr/bin/git" });
  });

  it("applies owner, mode and exclusion rules, and lets extra entries override tree files", () => {
    const nodes = [
      node("ssh-keysign", "file", { mode: 0o4755 }),
      node("x.map", "file"),
      node("etc", "directory"),
      node("etc/passwd", "file"),
    ];
    const entries = buildLayerEntries(
      [
        {
          nodes,
          prefix: "",
          owner: () => ({ uid: 7, gid: 8 }),
          exclude: (p) => p.endsWith(".map"),
          mode: (_p, m) => m & ~0o6000,
        },
      ],
      [fileEntry("etc/passwd", "root:x:0:0::/root:/bin/sh\n")],
    );
    expect(entries.map((e) => e.path)).toEqual(["etc", "etc/passwd", "ssh-keysign"]);
    expect(entries.find((e) => e.path === "ssh-keysign")).toMatchObject({ mode: 0o755, uid: 7, gid: 8 });
    expect(entries.find((e) => e.path === "etc/passwd")).toMatchObject({
      uid: 0,
      source: { content: expect.any(Buffer) },
    });
  });
});

describe("pruning rules", () => {
  it.each([
    ["usr/share/doc/git/README.md", true],
    ["usr/share/doc/git/copyright", false],
    ["usr/share/man/man1/git.1.gz", true],
    ["usr/lib/x86_64-linux-gnu/gconv/UTF-16.so", true],
    ["usr/lib/git-core/git-daemon", true],
    ["usr/lib/git-core/git-remote-http", false],
    ["usr/bin/git", false],
    ["usr/bin/ssh", false],
  ])("base: %s pruned=%s", (path, pruned) => {
    expect(isPrunedBasePath(path)).toBe(pruned);
  });

  it.each([
    ["app/node_modules/.modules.yaml", true],
    ["app/node_modules/.pnpm/lock.yaml", true],
    ["app/node_modules/x/index.js.map", true],
    ["app/node_modules/x/index.d.ts", true],
    ["app/node_modules/x/index.d.cts", true],
    ["app/node_modules/.bin/knex", true],
    ["app/node_modules/.pnpm/node_modules/.bin", true],
    ["app/node_modules/x/index.js", false],
    ["app/dist/cli.js", false],
  ])("app: %s pruned=%s", (path, pruned) => {
    expect(isPrunedAppPath(path)).toBe(pruned);
  });
});

describe("the rock layer", () => {
  it("appends the run user to the base's passwd and group once", () => {
    const passwd = withLine(
      "root:*:0:0:root:/root:/bin/bash\n",
      "_daemon_:x:584792:584792::/var/lib/pebble/default:/usr/bin/false",
    );
    expect(passwd).toBe(
      "root:*:0:0:root:/root:/bin/bash\n_daemon_:x:584792:584792::/var/lib/pebble/default:/usr/bin/false\n",
    );
    expect(withLine(passwd, "_daemon_:x:1:1::/:/bin/sh")).toBe(passwd);
  });

  it("makes the data directory the run user's and Pebble's directory world-writable like rockcraft", () => {
    const entries = rockLayerEntries({
      version: "1.0",
      created: "1970-01-01T00:00:00Z",
      basePasswd: "",
      baseGroup: "",
    });
    expect(entries.find((e) => e.path === "var/lib/httprequest-lego-provider")).toMatchObject({
      type: "directory",
      uid: 584792,
      gid: 584792,
      mode: 0o750,
    });
    expect(entries.find((e) => e.path === "var/lib/pebble/default")).toMatchObject({ mode: 0o777 });
  });
});

describe("pointsOutside", () => {
  it("drops links that leave the deployed tree and keeps the ones inside it", () => {
    const link = (absPath: string, linkTarget: string): TreeNode => ({
      ...node("x", "symlink"),
      absPath,
      linkTarget,
    });
    expect(
      pointsOutside(link("/d/app/node_modules/.pnpm/node_modules/@s/p", "../../../../../provider"), "/d/app"),
    ).toBe(true);
    expect(
      pointsOutside(
        link("/d/app/node_modules/express", ".pnpm/express@5.3.0/node_modules/express"),
        "/d/app",
      ),
    ).toBe(false);
    expect(pointsOutside(node("x", "file"), "/d/app")).toBe(false);
  });
});
