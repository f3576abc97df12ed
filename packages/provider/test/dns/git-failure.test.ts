import { describe, expect, it } from "vitest";
import { classifyGitFailure, isLostRace } from "../../src/dns/git-failure.js";
import { parsePushPorcelain } from "../../src/dns/push-result.js";

describe("classifyGitFailure", () => {
  it.each([
    [
      "rejected",
      "To /srv/r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\nerror: failed to push some refs",
    ],
    ["rejected", "hint: Updates were rejected because the tip of your current branch is behind"],
    ["host-key", "Host key verification failed.\nfatal: Could not read from remote repository."],
    ["host-key", "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking."],
    [
      "auth",
      "git@127.0.0.1: Permission denied (publickey).\r\nfatal: Could not read from remote repository.",
    ],
    ["auth", "fatal: Authentication failed for 'https://git.example.com/dns.git/'"],
    [
      "not-found",
      "fatal: '/tmp/gone.git' does not appear to be a git repository\nfatal: Could not read from remote repository.",
    ],
    ["not-found", "fatal: couldn't find remote ref refs/heads/nope"],
    ["network", "ssh: connect to host 127.0.0.1 port 1: Connection refused"],
    ["network", "ssh: Could not resolve hostname nowhere.invalid: Name or service not known"],
    ["other", "fatal: something unexpected"],
  ])("%s: %s", (kind, output) => {
    expect(classifyGitFailure(output).kind).toBe(kind);
  });

  it("summarises with git's fatal line, never a hint, and without credentials", () => {
    const f = classifyGitFailure(
      "hint: try again\nfatal: unable to access 'https://bot:tok3n@git.example.com/dns.git/': server certificate verification failed\n",
    );
    expect(f.summary).toBe(
      "fatal: unable to access 'https://***@git.example.com/dns.git/': server certificate verification failed",
    );
    expect(f.summary).not.toContain("tok3n");
  });

  it("tells an operator what to fix for ssh host keys and credentials", () => {
    expect(classifyGitFailure("Host key verification failed.").summary).toMatch(/APP_GIT_KNOWN_HOSTS/);
    expect(classifyGitFailure("Permission denied (publickey).").summary).toMatch(/APP_GIT_SSH_KEY/);
  });
});

describe("classifyGitFailure summaries", () => {
  it("never carry a URL's userinfo", () => {
    const out = "fatal: unable to access 'https://ghp_T0KEN@127.0.0.1:9/org/dns.git/': Failed to connect";
    const { summary } = classifyGitFailure(out);
    expect(summary).not.toContain("ghp_T0KEN");
    expect(summary).toContain("https://***@127.0.0.1:9/org/dns.git/");
  });
});

describe("parsePushPorcelain", () => {
  const ref = "refs/heads/main";
  it.each([
    ["updated", "To /r.git\n \tHEAD:refs/heads/main\t0a1b2c3..4d5e6f7\nDone\n"],
    ["updated", "To /r.git\n*\tHEAD:refs/heads/main\t[new branch]\nDone\n"],
    ["up-to-date", "To /r.git\n=\tHEAD:refs/heads/main\t[up to date]\nDone\n"],
    ["rejected", "To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n"],
    ["rejected", "To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n"],
    ["unknown", "To /r.git\n \tHEAD:refs/heads/main\t0a1b2c3..4d5e6f7\n"],
    ["unknown", "To /r.git\n \tHEAD:refs/heads/other\t0a1b2c3..4d5e6f7\nDone\n"],
    ["unknown", ""],
  ])("%s from %j", (status, stdout) => {
    expect(parsePushPorcelain(stdout, ref).status).toBe(status);
  });
});

// receive-pack's reasons for an ng: a lost race is fetched and retried, a refusal is reported.
describe("isLostRace", () => {
  it.each([
    ["cannot lock ref 'refs/heads/main': is at 1111 but expected 2222", true],
    ["failed to lock", true],
    ["failed to update ref", true],
    ["incorrect old value provided", true],
    ["pre-receive hook declined", false],
    ["hook declined", false],
    ["missing necessary objects", false],
    ["branch is currently checked out", false],
    ["non-fast-forward", false],
  ])("%j -> %s", (reason, race) => {
    expect(isLostRace(reason)).toBe(race);
  });
});
