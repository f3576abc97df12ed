import { describe, expect, it } from "vitest";
import { PackageNotFoundError, resolveClosure, UnsatisfiableDependencyError } from "../src/debian/closure.js";
import { parseDependencies, parseStanzas, type Stanza } from "../src/debian/control.js";

const CONTROL = `Package: git
Version: 1:2.39.5-0+deb12u3
Architecture: amd64
Installed-Size: 44890
Depends: libc6 (>= 2.34), perl, git-man (>> 1:2.39.5), git-man (<< 1:2.39.5-.)
Description: fast, scalable, distributed revision control system
 Git is popular version control system designed to handle
 very large projects with speed and efficiency.

Package: libc6
Version: 2.36-9+deb12u14
Architecture: amd64
Installed-Size: 13001
Depends: libgcc-s1

Package: libgcc-s1
Version: 12.2.0-14
Architecture: amd64
Installed-Size: 140
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)
`;

function stanzas(text: string): Map<string, Stanza> {
  return new Map(parseStanzas(text).map((s) => [s.Package ?? "", s]));
}

function stanza(name: string, depends = "", preDepends = ""): Stanza {
  return {
    Package: name,
    Version: "1.0",
    Architecture: "amd64",
    "Installed-Size": "10",
    Depends: depends,
    "Pre-Depends": preDepends,
  };
}

describe("parseStanzas and parseDependencies", () => {
  it("reads apt-cache output into stanzas with continuation lines joined", () => {
    const parsed = parseStanzas(CONTROL);
    expect(parsed.map((s) => s.Package)).toEqual(["git", "libc6", "libgcc-s1"]);
    expect(parsed[0]?.Description).toContain("\nGit is popular");
  });

  it("drops version constraints and architecture qualifiers, keeping alternatives in order", () => {
    expect(parseDependencies("debconf (>= 0.5) | debconf-2.0, perl:any, libc6 (>= 2.34)")).toEqual([
      [
        { name: "debconf", archQualifier: "" },
        { name: "debconf-2.0", archQualifier: "" },
      ],
      [{ name: "perl", archQualifier: "any" }],
      [{ name: "libc6", archQualifier: "" }],
    ]);
    expect(parseDependencies(undefined)).toEqual([]);
  });
});

describe("resolveClosure", () => {
  it("asks for the stanzas it has not seen yet instead of guessing", () => {
    const result = resolveClosure({
      roots: ["git"],
      drop: new Map([
        ["perl", "not needed"],
        ["git-man", "docs"],
      ]),
      known: stanzas(CONTROL),
    });
    expect(result).toEqual({ complete: false, missing: ["gcc-12-base"] });
  });

  it("returns the sorted closure with versions once every stanza is known, skipping dropped packages", () => {
    const known = stanzas(CONTROL);
    known.set("gcc-12-base", stanza("gcc-12-base"));
    const result = resolveClosure({
      roots: ["git"],
      drop: new Map([
        ["perl", "x"],
        ["git-man", "x"],
      ]),
      known,
    });
    expect(result.complete).toBe(true);
    if (!result.complete) return;
    expect(result.packages.map((p) => p.name)).toEqual(["gcc-12-base", "git", "libc6", "libgcc-s1"]);
    expect(result.packages.find((p) => p.name === "git")).toMatchObject({
      version: "1:2.39.5-0+deb12u3",
      installedSizeKiB: 44890,
    });
  });

  it("follows Pre-Depends as well as Depends", () => {
    const known = new Map([
      ["dash", stanza("dash", "", "libc6")],
      ["libc6", stanza("libc6")],
    ]);
    const result = resolveClosure({ roots: ["dash"], drop: new Map(), known });
    expect(result.complete && result.packages.map((p) => p.name)).toEqual(["dash", "libc6"]);
  });

  it("treats an alternative group as satisfied when any alternative is dropped or already chosen", () => {
    const known = new Map([
      ["ca-certificates", stanza("ca-certificates", "debconf (>= 0.5) | debconf-2.0")],
      ["tool", stanza("tool", "libb | liba")],
      ["liba", stanza("liba")],
      ["libb", stanza("libb")],
      ["app", stanza("app", "liba, tool")],
    ]);
    const result = resolveClosure({
      roots: ["ca-certificates", "app"],
      drop: new Map([["debconf", "postinst only"]]),
      known,
    });
    // liba was chosen for app first, so tool's "libb | liba" needs nothing more.
    expect(result.complete && result.packages.map((p) => p.name)).toEqual([
      "app",
      "ca-certificates",
      "liba",
      "tool",
    ]);
  });

  it("falls back to a later alternative when the first is purely virtual", () => {
    const known = new Map([
      ["x", stanza("x", "virtual-thing | real-thing")],
      ["real-thing", stanza("real-thing")],
    ]);
    const result = resolveClosure({ roots: ["x"], drop: new Map(), known }, new Set(["virtual-thing"]));
    expect(result.complete && result.packages.map((p) => p.name)).toEqual(["real-thing", "x"]);
  });

  it("names the package and dependency when nothing can satisfy it", () => {
    const known = new Map([["x", stanza("x", "ghost (>= 1)")]]);
    expect(() => resolveClosure({ roots: ["x"], drop: new Map(), known }, new Set(["ghost"]))).toThrow(
      UnsatisfiableDependencyError,
    );
    expect(() => resolveClosure({ roots: ["x"], drop: new Map(), known }, new Set(["ghost"]))).toThrow(
      /x depends on "ghost"/,
    );
  });

  it("tells the operator to run apt-get update when a root is not in the indexes", () => {
    expect(() =>
      resolveClosure({ roots: ["git"], drop: new Map(), known: new Map() }, new Set(["git"])),
    ).toThrow(PackageNotFoundError);
  });

  it("refuses a root that is also dropped", () => {
    expect(() =>
      resolveClosure({ roots: ["perl"], drop: new Map([["perl", "x"]]), known: new Map() }),
    ).toThrow(/drop list/);
  });
});
