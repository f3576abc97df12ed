import { describe, expect, it } from "vitest";
import { findZone, zoneFilesFromTree, zonesFromFileNames } from "../../src/dns/zone-lookup.js";

const zones = zonesFromFileNames([
  "example.com.domain",
  "co.uk.domain",
  "example.co.uk.domain",
  "Mixed.Example.ORG.domain",
  "README.md",
  ".domain",
  "notes.txt",
]);

describe("zonesFromFileNames", () => {
  it("keeps only *.domain files, keyed by lowercase zone", () => {
    expect([...zones.keys()].sort()).toEqual(["co.uk", "example.co.uk", "example.com", "mixed.example.org"]);
    expect(zones.get("mixed.example.org")).toBe("Mixed.Example.ORG.domain");
  });
});

describe("findZone", () => {
  it.each([
    ["_acme-challenge.example.com", "example.com", "_acme-challenge"],
    ["_acme-challenge.www.example.com", "example.com", "_acme-challenge.www"],
    ["_acme-challenge.www.example.co.uk", "example.co.uk", "_acme-challenge.www"],
    ["_acme-challenge.other.co.uk", "co.uk", "_acme-challenge.other"],
    ["_acme-challenge.a.Mixed.example.org.", "mixed.example.org", "_acme-challenge.a"],
    ["example.com", "example.com", "@"],
  ])("%s is served by %s as %s", (fqdn, zone, owner) => {
    expect(findZone(fqdn, zones)).toMatchObject({ zone, owner });
  });

  it.each([["_acme-challenge.badexample.com"], ["_acme-challenge.example.net"], ["com"]])(
    "%s has no zone (suffixes only count at a label boundary)",
    (fqdn) => {
      expect(findZone(fqdn, zones)).toBeUndefined();
    },
  );
});

describe("zoneFilesFromTree", () => {
  const files = zoneFilesFromTree([
    { mode: "100644", name: "example.com.domain" },
    { mode: "100755", name: "exec.example.domain" },
    { mode: "120000", name: "evil.test.domain" },
    { mode: "40000", name: "dir.test.domain" },
    { mode: "160000", name: "sub.test.domain" },
    { mode: "120000", name: "README.md" },
  ]);

  it("lists every zone-named entry, and says why the ones that are not regular files are unusable", () => {
    expect([...files.zones.keys()].sort()).toEqual([
      "dir.test",
      "evil.test",
      "example.com",
      "exec.example",
      "sub.test",
    ]);
    expect(Object.fromEntries(files.unusable)).toEqual({
      "evil.test.domain": "it is a symbolic link; zone files must be regular files",
      "dir.test.domain": "it is a directory; zone files must be regular files",
      "sub.test.domain": "it is a submodule; zone files must be regular files",
    });
  });

  it("so a name under a linked zone is served by that (unusable) file, not by a parent zone", () => {
    const withParent = zoneFilesFromTree([
      { mode: "100644", name: "test.domain" },
      { mode: "120000", name: "evil.test.domain" },
    ]);
    expect(findZone("_acme-challenge.evil.test", withParent.zones)?.fileName).toBe("evil.test.domain");
  });
});
