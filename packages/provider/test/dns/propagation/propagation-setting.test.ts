import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { parsePropagationCheck } from "../../../src/dns/propagation/propagation-setting.js";

describe("APP_PROPAGATION_CHECK", () => {
  it("is off when unset or blank, so /present answers once pushed as before", () => {
    expect(parsePropagationCheck(undefined)).toEqual({ kind: "off" });
    expect(parsePropagationCheck("  ")).toEqual({ kind: "off" });
    const config = loadConfig({});
    expect(config.propagationCheck).toEqual({ kind: "off" });
    expect(config.propagationTimeoutSeconds).toBe(60);
    expect(config.propagationStrict).toBe(false);
  });

  it("takes auto, or host[:port] entries with port 53 by default, IPv6 in brackets", () => {
    expect(parsePropagationCheck("AUTO")).toEqual({ kind: "auto" });
    expect(
      parsePropagationCheck("NS1.Example.com., 192.0.2.53:5353, [2001:db8::53]:54, 2001:db8::1"),
    ).toEqual({
      kind: "servers",
      servers: [
        { host: "ns1.example.com", port: 53 },
        { host: "192.0.2.53", port: 5353 },
        { host: "2001:db8::53", port: 54 },
        { host: "2001:db8::1", port: 53 },
      ],
    });
  });

  it("stops the service at start naming every bad entry, the timeout and the strict flag", () => {
    let error: unknown;
    try {
      loadConfig({
        APP_PROPAGATION_CHECK: "ns1.example.com:99999,bad host,ns2.example.com",
        APP_PROPAGATION_TIMEOUT: "0",
        APP_PROPAGATION_STRICT: "maybe",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).message;
    expect(problems).toContain(
      'APP_PROPAGATION_CHECK: not a host[:port]: "ns1.example.com:99999", "bad host"',
    );
    expect(problems).toMatch(/APP_PROPAGATION_TIMEOUT: .*1/);
    expect(problems).toContain("APP_PROPAGATION_STRICT: must be true or false");
  });

  it("reads the timeout in seconds and strict mode", () => {
    const config = loadConfig({
      APP_PROPAGATION_CHECK: "127.0.0.1:15353",
      APP_PROPAGATION_TIMEOUT: "15",
      APP_PROPAGATION_STRICT: "true",
    });
    expect(config.propagationCheck).toEqual({
      kind: "servers",
      servers: [{ host: "127.0.0.1", port: 15353 }],
    });
    expect(config.propagationTimeoutSeconds).toBe(15);
    expect(config.propagationStrict).toBe(true);
  });
});
