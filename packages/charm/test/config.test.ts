import { parseGitRemote } from "@httprequest-lego-provider/provider/git-remote";
import { describe, expect, it } from "vitest";
import { missingConfig, parseConfig, parseGitRepo } from "../src/config.js";

describe("parseGitRepo (the provider's parseGitRemote, bundled)", () => {
  it.each([
    [
      "git+ssh://git@git.example.test/srv/dns.git@main",
      { transport: "ssh", host: "git.example.test", port: 22 },
    ],
    ["git+ssh://bind@10.0.0.5:2222/dns.git", { transport: "ssh", host: "10.0.0.5", port: 2222 }],
    ["ssh://git@[2001:db8::1]:2200/dns.git", { transport: "ssh", host: "2001:db8::1", port: 2200 }],
    ["https://git.example.test/org/dns.git@records", { transport: "https" }],
    ["file:///srv/git/dns.git", { transport: "file" }],
  ])("%s", (url, expected) => {
    expect(parseGitRepo(url)).toMatchObject({ url, ...expected });
  });

  it.each([
    ["http://git.example.test/dns.git", /^plain http:\/\/ is not accepted/],
    ["git@github.com:org/dns.git", /^must be a URL/],
    ["ftp://host/x.git", /scheme "ftp:\/\/" is not supported/],
    ["ssh://git@bad_host/x.git", /not a valid host name/],
    ["ssh://git@host:70000/x.git", /not between 1 and 65535/],
    ["ssh://git@host", /no repository path/],
    ["ssh://git:pw@host/x.git", /use git-ssh-key$/],
  ])("rejects %s as the service would, naming no service variable", (url, message) => {
    const result = parseGitRepo(url);
    expect(result).toMatch(message);
    expect(result).not.toMatch(/APP_/);
    expect(() => parseGitRemote(url)).toThrow();
  });
});

describe("parseConfig", () => {
  const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";

  it("defaults log-level to info, audit-retention-days to 90, and ignores empty strings", () => {
    expect(parseConfig({ "git-repo": "", "log-level": "" })).toEqual({
      ok: true,
      config: { logLevel: "info", auditRetentionDays: 90 },
    });
  });

  it.each<[unknown, number | string]>([
    [30, 30],
    [3650, 3650],
    [0, "audit-retention-days must be a whole number of days from 1 to 3650"],
    [3651, "audit-retention-days must be a whole number of days from 1 to 3650"],
    [-1, "audit-retention-days must be a whole number of days from 1 to 3650"],
  ])("audit-retention-days=%j is taken by the service's own rule: %j", (value, expected) => {
    const result = parseConfig({ "audit-retention-days": value });
    if (typeof expected === "number") expect(result.ok && result.config.auditRetentionDays).toBe(expected);
    else expect(!result.ok && result.problems.map((p) => `${p.option} ${p.message}`)).toEqual([expected]);
  });

  it("reports every bad option at once", () => {
    const result = parseConfig({ "git-repo": "nope", "git-ssh-key": "not a key", "log-level": "verbose" });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map((p) => p.option)).toEqual(["git-repo", "git-ssh-key", "log-level"]);
  });

  it("adds a final newline to the key (OpenSSH refuses keys without one)", () => {
    const result = parseConfig({ "git-repo": "ssh://git@h/x.git", "git-ssh-key": KEY, "log-level": "DEBUG" });
    expect(result.ok && result.config.gitSshKey).toBe(`${KEY}\n`);
    expect(result.ok && result.config.logLevel).toBe("debug");
  });

  it("takes the service's log levels, 'warning' meaning warn", () => {
    const warning = parseConfig({ "log-level": "Warning" });
    expect(warning.ok && warning.config.logLevel).toBe("warn");
    const silent = parseConfig({ "log-level": "silent" });
    expect(silent.ok && silent.config.logLevel).toBe("silent");
  });

  it.each([
    [{}, ["git-repo"]],
    [{ "git-repo": "ssh://git@h/x.git" }, ["git-ssh-key"]],
    [{ "git-repo": "https://h/x.git" }, []],
    [{ "git-repo": "file:///srv/x.git" }, []],
    [{ "git-repo": "ssh://git@h/x.git", "git-ssh-key": KEY }, []],
    [{ "git-repo": "ssh://git@h/x.git", "git-ssh-key-secret": "secret:d0abc" }, []],
  ])("missing config for %j is %j", (raw, missing) => {
    const result = parseConfig(raw);
    expect(result.ok && missingConfig(result.config)).toEqual(missing);
  });
});
