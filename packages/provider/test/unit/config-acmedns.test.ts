import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("APP_ACMEDNS_ZONE and APP_ACMEDNS_REGISTER", () => {
  it.each<[Record<string, string>, string | undefined, boolean]>([
    [{}, undefined, false],
    [{ APP_ACMEDNS_ZONE: "Auth.Example.ORG." }, "auth.example.org", false],
    [{ APP_ACMEDNS_ZONE: "auth.example.org", APP_ACMEDNS_REGISTER: "true" }, "auth.example.org", true],
    [{ APP_ACMEDNS_ZONE: "auth.example.org", APP_ACMEDNS_REGISTER: "false" }, "auth.example.org", false],
    [{ APP_ACMEDNS_REGISTER: "" }, undefined, false],
  ])("%j → zone %s, register %s", (env, zone, register) => {
    const config = loadConfig(env);
    expect(config.acmednsZone).toBe(zone);
    expect(config.acmednsRegister).toBe(register);
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ APP_ACMEDNS_ZONE: "auth" }, /APP_ACMEDNS_ZONE: .*single label/],
    [{ APP_ACMEDNS_ZONE: "auth..example.org" }, /APP_ACMEDNS_ZONE: .*empty label/],
    [
      { APP_ACMEDNS_ZONE: "auth.example.org", APP_ACMEDNS_REGISTER: "maybe" },
      /APP_ACMEDNS_REGISTER: must be true or false/,
    ],
    [{ APP_ACMEDNS_REGISTER: "true" }, /APP_ACMEDNS_REGISTER: needs APP_ACMEDNS_ZONE/],
  ])("refuses %j at start, naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
