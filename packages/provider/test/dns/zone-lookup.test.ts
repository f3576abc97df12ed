import { describe, expect, it } from "vitest";
import { findZone, zonesFromFileNames } from "../../src/dns/zone-lookup.js";

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
