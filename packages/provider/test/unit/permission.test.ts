import { describe, expect, it } from "vitest";
import { canManage, type Grant } from "../../src/challenge/permission.js";

const domain = (d: string): Grant => ({ domain: d, accessLevel: "domain" });
const sub = (d: string): Grant => ({ domain: d, accessLevel: "subdomain" });

describe("canManage", () => {
  it.each<[string, string, Grant[], boolean]>([
    ["domain grant covers its own name", "_acme-challenge.example.com", [domain("example.com")], true],
    [
      "domain grant does not cover a subdomain",
      "_acme-challenge.www.example.com",
      [domain("example.com")],
      false,
    ],
    ["subdomain grant covers a child", "_acme-challenge.www.example.com", [sub("example.com")], true],
    ["subdomain grant covers a grandchild", "_acme-challenge.a.b.example.com", [sub("example.com")], true],
    [
      "subdomain grant does not cover the domain itself",
      "_acme-challenge.example.com",
      [sub("example.com")],
      false,
    ],
    ["suffix must be at a label boundary", "_acme-challenge.evilexample.com", [sub("example.com")], false],
    [
      "suffix must be at a label boundary (domain)",
      "_acme-challenge.evilexample.com",
      [domain("example.com")],
      false,
    ],
    ["no grants", "_acme-challenge.example.com", [], false],
    [
      "one of several grants matches",
      "_acme-challenge.x.example.org",
      [domain("example.com"), sub("example.org")],
      true,
    ],
    [
      "both levels together",
      "_acme-challenge.example.com",
      [sub("example.com"), domain("example.com")],
      true,
    ],
    ["name without the prefix is never managed", "example.com", [domain("example.com")], false],
    ["other underscore names are not covered", "_dmarc.example.com", [sub("example.com")], false],
  ])("%s", (_name, fqdn, grants, expected) => {
    expect(canManage(fqdn, grants)).toBe(expected);
  });
});
