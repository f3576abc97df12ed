import { describe, expect, it } from "vitest";
import { parseGitRemote } from "../../src/dns/git-remote.js";
import { GitCommandError } from "../../src/dns/git-runner.js";
import { redactCredentials, userinfoSecrets } from "../../src/dns/redact-credentials.js";

describe("redactCredentials", () => {
  it.each([
    ["a token alone", "https://ghp_abc123@github.com/org/dns.git", "https://***@github.com/org/dns.git"],
    ["user:password", "https://bot:s3cr3t@git.example.com/dns.git", "https://***@git.example.com/dns.git"],
    [
      "percent-encoded userinfo",
      "https://bot%40corp:p%40ss%2Fw@git.example.com/dns.git",
      "https://***@git.example.com/dns.git",
    ],
    ["an unencoded @ in the token", "https://to@ken@host/x.git", "https://***@host/x.git"],
    ["a port", "https://tok@127.0.0.1:9/x.git@main", "https://***@127.0.0.1:9/x.git@main"],
    ["no path", "https://tok@host", "https://***@host"],
    ["an ssh user", "ssh://git@git.example.com:2222/dns.git", "ssh://***@git.example.com:2222/dns.git"],
    ["git+ssh", "git+ssh://deploy@host/dns.git@main", "git+ssh://***@host/dns.git@main"],
    [
      "git's fatal line",
      "fatal: unable to access 'https://ghp_abc123@github.com/org/dns.git/': Could not resolve host: github.com",
      "fatal: unable to access 'https://***@github.com/org/dns.git/': Could not resolve host: github.com",
    ],
    [
      "two URLs and a newline",
      "To https://a:b@h1/x\nfatal: repository 'https://tok@h2/y/' not found",
      "To https://***@h1/x\nfatal: repository 'https://***@h2/y/' not found",
    ],
    ["an upper-case scheme", "HTTPS://TOK@HOST/x", "HTTPS://***@HOST/x"],
    [
      "a URL without userinfo",
      "https://host/a@b and file:///srv/x@main",
      "https://host/a@b and file:///srv/x@main",
    ],
    [
      "no URL at all",
      "user@host: Permission denied (publickey).",
      "user@host: Permission denied (publickey).",
    ],
  ])("%s", (_what, input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });

  it("also hides the given secrets where git prints them outside a URL", () => {
    expect(redactCredentials("Username for 'x': tok-123 / tok-123", ["tok-123"])).toBe(
      "Username for 'x': *** / ***",
    );
  });
});

describe("userinfoSecrets", () => {
  it.each([
    ["https://ghp_abc@host/x", ["ghp_abc"]],
    ["https://bot:s3cr3t@host/x", ["s3cr3t"]],
    ["https://bot:p%40ss@host/x", ["p%40ss", "p@ss"]],
    ["https://bot:@host/x", []],
    ["https://host/x", []],
  ])("%s", (url, expected) => {
    expect(userinfoSecrets(url)).toEqual(expected);
  });
});

describe("where the redaction is applied", () => {
  it("GitRemote.displayUrl never shows userinfo", () => {
    for (const repo of [
      "https://ghp_abc@host/org/dns.git@main",
      "https://bot:s3cr3t@host/org/dns.git",
      "git+ssh://deploy@host/dns.git",
    ]) {
      expect(parseGitRemote(repo).displayUrl).toMatch(/^[a-z+]+:\/\/\*\*\*@host\//);
    }
    expect(parseGitRemote("https://ghp_abc@host/x.git").secrets).toEqual(["ghp_abc"]);
    expect(parseGitRemote("git+ssh://deploy@host/x.git").secrets).toEqual([]);
  });

  it("GitCommandError carries argv and output already redacted", () => {
    const err = new GitCommandError(
      ["clone", "--", "https://ghp_abc@host/x.git", "/tmp/c"],
      128,
      "out ghp_abc",
      "fatal: unable to access 'https://ghp_abc@host/x.git/': refused",
      ["ghp_abc"],
    );
    expect(JSON.stringify({ ...err, message: err.message, out: err.output })).not.toContain("ghp_abc");
    expect(err.args[2]).toBe("https://***@host/x.git");
  });
});
