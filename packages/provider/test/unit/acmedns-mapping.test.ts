import { describe, expect, it } from "vitest";
import { acmeDnsTarget } from "../../src/acmedns/record-name.js";
import { parseAcmeDigest } from "../../src/acmedns/txt-value.js";
import { AppError } from "../../src/errors.js";

const ZONE = "auth.example.org";

describe("acmeDnsTarget: acme-dns's subdomain → the record written", () => {
  it.each<[string, string, string | undefined, string, "name" | "label"]>([
    [
      "a DNS name means its _acme-challenge record",
      "www.example.com",
      undefined,
      "_acme-challenge.www.example.com",
      "name",
    ],
    ["the apex of a zone", "example.com", ZONE, "_acme-challenge.example.com", "name"],
    [
      "uppercase and a trailing dot are normalised",
      "WWW.Example.COM.",
      undefined,
      "_acme-challenge.www.example.com",
      "name",
    ],
    [
      "the record name itself is taken as is",
      "_acme-challenge.example.com",
      undefined,
      "_acme-challenge.example.com",
      "name",
    ],
    [
      "a bare label (acme-dns UUID) lives under APP_ACMEDNS_ZONE",
      "8e5700ea-a4bf-41c7-8a77-e990661dcc6a",
      ZONE,
      "_acme-challenge.8e5700ea-a4bf-41c7-8a77-e990661dcc6a.auth.example.org",
      "label",
    ],
  ])("%s", (_title, subdomain, zone, fqdn, kind) => {
    expect(acmeDnsTarget(subdomain, zone)).toEqual({ fqdn, kind });
  });

  it.each<[string, string, string | undefined, RegExp]>([
    [
      "a bare label without APP_ACMEDNS_ZONE names the variable",
      "d420c923",
      undefined,
      /APP_ACMEDNS_ZONE, which is not set/,
    ],
    ["an empty subdomain", "", ZONE, /Missing field "subdomain"/],
    ["a label with an underscore", "a_b.example.com", ZONE, /invalid label "a_b"/],
    ["a wildcard", "*.example.com", ZONE, /invalid label "\*"/],
    ["an empty label", "www..example.com", ZONE, /empty label/],
    ["a newline (zone-file injection)", "x.example.com\nevil 60 IN TXT y", ZONE, /invalid label/],
    ["a 64-character label", `${"a".repeat(64)}.example.com`, ZONE, /label of 64 characters/],
  ])("refuses %s with a 400 on field subdomain", (_title, subdomain, zone, message) => {
    let caught: unknown;
    try {
      acmeDnsTarget(subdomain, zone);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const e = caught as AppError;
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ field: "subdomain" });
    expect(e.message).toMatch(message);
  });
});

describe("parseAcmeDigest: only ACME DNS-01 values reach a zone file", () => {
  it.each([["LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM"], ["0123456789abcdefghijklmnopqrstuvwxyzABCDEF-"]])(
    "accepts the 43-character base64url digest %s",
    (value) => {
      expect(parseAcmeDigest(value)).toBe(value);
    },
  );

  it.each<[string, string]>([
    ["42 characters", "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmto"],
    ["44 characters", "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoMA"],
    ["standard base64 '+'", "LHDhK3oGRvkiefQnx7OOczTY5Tic+xZ6HcMOc_gmtoM"],
    ["a quote (breaks out of the TXT string)", 'LHDhK3oGRvkiefQnx7OOczTY5Tic"xZ6HcMOc_gmtoM'],
    ["a space", "LHDhK3oGRvkiefQnx7OOczTY5Tic xZ6HcMOc_gmtoM"],
    ["empty", ""],
  ])("refuses %s with a 400 on field txt", (_title, value) => {
    expect(() => parseAcmeDigest(value)).toThrow(/an ACME DNS-01 value is 43 characters/);
  });
});
