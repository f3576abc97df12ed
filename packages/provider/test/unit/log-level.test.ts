import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { parseLogLevel } from "../../src/log-level.js";

describe("log levels (shared with the charm)", () => {
  it.each([
    ["info", "info"],
    ["WARNING", "warn"],
    [" debug ", "debug"],
    ["silent", "silent"],
    ["verbose", undefined],
  ])("%j -> %j", (value, level) => {
    expect(parseLogLevel(value)).toBe(level);
  });

  it("loadConfig uses the same rule and names the variable when it refuses", () => {
    expect(loadConfig({ APP_LOG_LEVEL: "Warning" }).logLevel).toBe("warn");
    expect(loadConfig({}).logLevel).toBe("info");
    expect(() => loadConfig({ APP_LOG_LEVEL: "verbose" })).toThrow(ConfigError);
    expect(() => loadConfig({ APP_LOG_LEVEL: "verbose" })).toThrow(
      /APP_LOG_LEVEL: must be one of fatal, error/,
    );
  });
});
