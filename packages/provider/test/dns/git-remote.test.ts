import { describe, expect, it } from "vitest";
import { InvalidGitRemoteError, isValidBranchName, parseGitRemote } from "../../src/dns/git-remote.js";

describe("parseGitRemote", () => {
  it.each([
    [
      "the Django charm's git+ssh form with branch",
      "git+ssh://dns-bot@git.example.com/srv/dns.git@main",
      {
        transport: "ssh",
        url: "ssh://dns-bot@git.example.com/srv/dns.git",
        branch: "main",
        authorName: "dns-bot",
        ssh: { user: "dns-bot", host: "git.example.com", port: undefined },
      },
    ],
    [
      "git+ssh with a port and no branch",
      "git+ssh://git@127.0.0.1:2222/tmp/repos/dns.git",
      {
        transport: "ssh",
        url: "ssh://git@127.0.0.1:2222/tmp/repos/dns.git",
        branch: undefined,
        authorName: "git",
        ssh: { user: "git", host: "127.0.0.1", port: 2222 },
      },
    ],
    [
      "ssh:// with a slashed branch",
      "ssh://git@[::1]:22/dns.git@release/2026",
      {
        transport: "ssh",
        url: "ssh://git@[::1]:22/dns.git",
        branch: "release/2026",
        ssh: { user: "git", host: "[::1]", port: 22 },
      },
    ],
    [
      "ssh:// without user (author falls back to the service name)",
      "ssh://git.example.com/dns.git",
      {
        transport: "ssh",
        authorName: "httprequest-lego-provider",
        ssh: { user: undefined, host: "git.example.com", port: undefined },
      },
    ],
    [
      "https with a token, redacted for display",
      "https://bot:s3cr3t-token@git.example.com/org/dns.git@main",
      {
        transport: "https",
        url: "https://bot:s3cr3t-token@git.example.com/org/dns.git",
        displayUrl: "https://***@git.example.com/org/dns.git",
        branch: "main",
        authorName: "httprequest-lego-provider",
      },
    ],
    [
      "file:// with branch",
      "file:///var/lib/dns/records.git@zones",
      { transport: "file", url: "file:///var/lib/dns/records.git", branch: "zones", ssh: undefined },
    ],
    [
      "file:// without branch",
      "file:///tmp/x.git",
      { transport: "file", url: "file:///tmp/x.git", branch: undefined },
    ],
  ])("parses %s", (_what, input, expected) => {
    expect(parseGitRemote(input)).toMatchObject(expected);
  });

  it.each([
    ["", /is empty/],
    ["git@github.com:org/dns.git", /scp-like/],
    ["/srv/dns.git", /must be a URL/],
    ["http://git.example.com/dns.git", /plain http/],
    ["ftp://git.example.com/dns.git", /not supported/],
    ["ssh://git.example.com", /no repository path/],
    ["ssh://git:pw@git.example.com/dns.git", /password/],
    ["ssh://git@bad_host!/dns.git", /not a valid host/],
    ["ssh://-oProxyCommand=x@git.example.com/dns.git", /must not start with "-"/],
    ["git+ssh://-l@git.example.com/dns.git", /must not start with "-"/],
    ["ssh://git@-oProxyCommand=x/dns.git", /not a valid host/],
    ["ssh://git@-host/dns.git", /not a valid host/],
    ["https://tok@-host/dns.git", /not a valid host/],
    ["ssh://git@host:99999/dns.git", /port/],
    ["git+ssh://git@host/dns.git@-evil", /not a valid branch/],
    ["git+ssh://git@host/dns.git@a..b", /not a valid branch/],
    ["file://otherhost/dns.git", /must be local/],
    ["ssh://git@host/dns.git main", /whitespace/],
  ])("refuses %j with a message naming APP_GIT_REPO", (input, message) => {
    expect(() => parseGitRemote(input)).toThrow(InvalidGitRemoteError);
    expect(() => parseGitRemote(input)).toThrow(message);
    expect(() => parseGitRemote(input)).toThrow(/^APP_GIT_REPO: /);
  });
});

describe("isValidBranchName", () => {
  it.each(["main", "release/2026", "v1.2", "dns_zones-prod"])("accepts %s", (name) => {
    expect(isValidBranchName(name)).toBe(true);
  });
  it.each(["", "-x", "a..b", "a/", "/a", "a.lock", "a//b", ".hidden", "a/.b", "x y", "a:b", "a~1", "a^"])(
    "refuses %j",
    (name) => {
      expect(isValidBranchName(name)).toBe(false);
    },
  );
});
