import { describe, expect, it } from "vitest";
import { parseAuditRetentionDays } from "../../src/audit-retention.js";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("audit retention days (shared with the charm)", () => {
  it.each([
    ["90", 90],
    [" 1 ", 1],
    ["3650", 3650],
    ["0", undefined],
    ["3651", undefined],
    ["30.5", undefined],
    ["-7", undefined],
    ["a week", undefined],
    ["", undefined],
  ])("%j -> %j", (value, days) => {
    expect(parseAuditRetentionDays(value)).toBe(days);
  });

  it("loadConfig uses the same rule: 90 days unless set, and names the variable when it refuses", () => {
    expect(loadConfig({}).auditRetentionDays).toBe(90);
    expect(loadConfig({ APP_AUDIT_RETENTION_DAYS: "30" }).auditRetentionDays).toBe(30);
    expect(() => loadConfig({ APP_AUDIT_RETENTION_DAYS: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ APP_AUDIT_RETENTION_DAYS: "0" })).toThrow(
      /APP_AUDIT_RETENTION_DAYS: must be a whole number of days from 1 to 3650/,
    );
  });
});
