import { describe, expect, it } from "vitest";
import { challengeValueFromKeyAuth, parseChallengeBody } from "../../src/challenge/challenge-request.js";
import { AppError } from "../../src/errors.js";

const V = "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM";
const label = (n: number) => "a".repeat(n);

describe("parseChallengeBody: fqdn", () => {
  it.each([
    ["lego default with trailing dot", "_acme-challenge.example.com.", "_acme-challenge.example.com"],
    ["no trailing dot", "_acme-challenge.example.com", "_acme-challenge.example.com"],
    ["uppercase is lowered", "_ACME-Challenge.WWW.Example.COM.", "_acme-challenge.www.example.com"],
    ["punycode label", "_acme-challenge.xn--bcher-kva.example.", "_acme-challenge.xn--bcher-kva.example"],
    ["63-char label", `_acme-challenge.${label(63)}.com`, `_acme-challenge.${label(63)}.com`],
    ["surrounding spaces trimmed", " _acme-challenge.example.com ", "_acme-challenge.example.com"],
  ])("accepts %s", (_name, fqdn, expected) => {
    expect(parseChallengeBody({ fqdn, value: V }, true).fqdn).toBe(expected);
  });

  // 253 characters in all (the longest valid name), then one more.
  const name253 = `_acme-challenge.${[label(63), label(63), label(63), label(45)].join(".")}`;
  it("accepts a 253-character name", () => {
    expect(name253.length).toBe(253);
    expect(parseChallengeBody({ fqdn: name253, value: V }, true).fqdn).toBe(name253);
  });

  it.each([
    ["64-char label", `_acme-challenge.${label(64)}.com`, /64 characters/],
    ["254-char name", `${name253}b`, /253/],
    [
      "missing prefix (CNAME target)",
      "acme.example.com.",
      /_acme-challenge\..*CNAME.*LEGO_DISABLE_CNAME_SUPPORT/,
    ],
    ["prefix only", "_acme-challenge.", /must start with/],
    ["label starting with -", "_acme-challenge.-bad.com", /invalid label/],
    ["label ending with -", "_acme-challenge.bad-.com", /invalid label/],
    ["underscore in name", "_acme-challenge.a_b.com", /invalid label/],
    ["empty label", "_acme-challenge.a..com", /empty label/],
    ["unicode (not punycode)", "_acme-challenge.bücher.example", /invalid label/],
    ["zone-file injection", "_acme-challenge.x.com. 600 IN A 1.2.3.4", /invalid label/],
  ])("rejects %s", (_name, fqdn, message) => {
    const run = () => parseChallengeBody({ fqdn, value: V }, true);
    expect(run).toThrow(AppError);
    expect(run).toThrow(message);
  });
});

describe("parseChallengeBody: value", () => {
  it.each([
    ["lego digest", V],
    ["255 characters", "x".repeat(255)],
    ["printable punctuation", "a!#$%&'()*+,-./:<=>?@[]^_`{|}~z"],
  ])("accepts %s", (_name, value) => {
    expect(parseChallengeBody({ fqdn: "_acme-challenge.example.com", value }, true).value).toBe(value);
  });

  const forbidden = ['"', "\\", ";", " ", "\t", "\n", "\r", "\x00", "\x7f", "é"];
  it.each(forbidden.map((c) => [JSON.stringify(c), c]))("rejects a value containing %s", (_n, c) => {
    const run = () => parseChallengeBody({ fqdn: "_acme-challenge.example.com", value: `ab${c}cd` }, true);
    expect(run).toThrow(/Invalid value/);
  });

  it.each([
    ["256 characters", "x".repeat(256), /256 characters/],
    ["empty", "", /empty/],
  ])("rejects %s", (_n, value, message) => {
    expect(() => parseChallengeBody({ fqdn: "_acme-challenge.example.com", value }, true)).toThrow(message);
  });
});

describe("parseChallengeBody: shapes", () => {
  it.each([
    ["missing fqdn", { value: V }, /Missing field "fqdn"/],
    ["missing value on present", { fqdn: "_acme-challenge.example.com" }, /Missing field "value"/],
    ["numeric fqdn", { fqdn: 42, value: V }, /"fqdn" must be a string/],
    ["array value", { fqdn: "_acme-challenge.example.com", value: [V] }, /"value" must be a string/],
    ["array body", [], /JSON object/],
    ["null body", null, /JSON object/],
  ])("rejects %s", (_n, body, message) => {
    expect(() => parseChallengeBody(body, true)).toThrow(message);
  });

  it("allows cleanup without a value (every value of the name)", () => {
    expect(parseChallengeBody({ fqdn: "_acme-challenge.example.com." }, false)).toEqual({
      fqdn: "_acme-challenge.example.com",
      value: undefined,
    });
  });

  it("reads lego RAW mode and derives the published digest", () => {
    const r = parseChallengeBody({ domain: "Example.com", token: "tok", keyAuth: "tok.thumb" }, true);
    expect(r.fqdn).toBe("_acme-challenge.example.com");
    expect(r.value).toBe(challengeValueFromKeyAuth("tok.thumb"));
    expect(r.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("RAW mode strips a wildcard label", () => {
    expect(parseChallengeBody({ domain: "*.example.com", token: "t", keyAuth: "k" }, true).fqdn).toBe(
      "_acme-challenge.example.com",
    );
  });
});

describe("challengeValueFromKeyAuth", () => {
  it("is base64url(SHA-256) without padding (RFC 8555 8.4)", () => {
    // sha256("abc") = ba7816bf...; base64url of those bytes:
    expect(challengeValueFromKeyAuth("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  });
});
