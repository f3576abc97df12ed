import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("APP_TRUSTED_PROXIES", () => {
  const ok: [string | undefined, string[]][] = [
    [undefined, []],
    ["", []],
    ["  ", []],
    ["10.1.2.3", ["10.1.2.3"]],
    ["10.0.0.0/8, 192.168.1.0/24,fd00::/8", ["10.0.0.0/8", "192.168.1.0/24", "fd00::/8"]],
    ["::1, 127.0.0.1/32,", ["::1", "127.0.0.1/32"]],
  ];
  for (const [value, expected] of ok) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      const env = value === undefined ? {} : { APP_TRUSTED_PROXIES: value };
      expect(loadConfig(env).trustedProxies).toEqual(expected);
    });
  }

  const bad = [
    "loopback",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.0/",
    "10.0.0.300",
    "ingress.local",
    "10.0.0.0/8/8",
  ];
  for (const value of bad) {
    it(`refuses ${JSON.stringify(value)}, naming the variable and the entry`, () => {
      let error: unknown;
      try {
        loadConfig({ APP_TRUSTED_PROXIES: `10.0.0.1, ${value}` });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("APP_TRUSTED_PROXIES: not an IP address or CIDR block");
      expect(message).toContain(`"${value}"`);
    });
  }
});
