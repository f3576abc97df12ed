import { describe, expect, it } from "vitest";
import { type CharmConfig, parseConfig } from "../src/config.js";
import { desiredEnvironment } from "../src/layer.js";

const REPO = { "git-repo": "https://h/x.git", "log-level": "info" };

describe("acmedns-zone and acmedns-register", () => {
  it.each<[string, Record<string, unknown>, Record<string, string | undefined>]>([
    ["unset: neither variable", {}, { APP_ACMEDNS_ZONE: undefined, APP_ACMEDNS_REGISTER: undefined }],
    [
      "a zone, normalised as the service does",
      { "acmedns-zone": "Auth.Example.com." },
      { APP_ACMEDNS_ZONE: "auth.example.com", APP_ACMEDNS_REGISTER: undefined },
    ],
    [
      "registration on with its zone",
      { "acmedns-zone": "auth.example.com", "acmedns-register": true },
      { APP_ACMEDNS_ZONE: "auth.example.com", APP_ACMEDNS_REGISTER: "true" },
    ],
    [
      "registration off (the default) says nothing",
      { "acmedns-zone": "auth.example.com", "acmedns-register": false },
      { APP_ACMEDNS_REGISTER: undefined },
    ],
  ])("%s", (_title, options, expected) => {
    const parsed = parseConfig({ ...REPO, ...options });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const env = desiredEnvironment({
      config: parsed.config,
      secretKey: "k".repeat(32),
      databaseUrl: "postgresql://x",
    });
    for (const [name, value] of Object.entries(expected)) expect(env[name]).toBe(value);
  });

  it.each<[string, Record<string, unknown>, { option: string; message: RegExp }]>([
    ["a single label", { "acmedns-zone": "auth" }, { option: "acmedns-zone", message: /single label/ }],
    [
      "registration without a zone",
      { "acmedns-register": true },
      { option: "acmedns-register", message: /needs acmedns-zone/ },
    ],
  ])("blocks on %s, naming the option", (_title, options, problem) => {
    const parsed = parseConfig({ ...REPO, ...options });
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems).toEqual([{ option: problem.option, message: expect.stringMatching(problem.message) }]);
  });

  it("a config without the options is still valid (they are optional)", () => {
    const config: CharmConfig = { logLevel: "info", auditRetentionDays: 90 };
    expect(
      desiredEnvironment({ config, secretKey: "k".repeat(32), databaseUrl: "postgresql://x" }),
    ).not.toHaveProperty("APP_ACMEDNS_ZONE");
  });
});
