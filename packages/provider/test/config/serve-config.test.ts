import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOG_LEVELS } from "../../src/log-level.js";
import { runCli } from "../helpers/service-process.js";

const LEVELS = LOG_LEVELS.join(", ");

/**
 * `serve` as an operator starts it, with settings that cannot work: it must exit at once with
 * status 1 and one message naming every bad setting, before it touches the database (which here
 * does not even exist: a connection attempt would fail differently) or the repository.
 */
const NO_DATABASE = "postgresql://nobody@127.0.0.1:1/nothing";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "hlp-config-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const problemsOf = (stderr: string): string[] =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("  - "))
    .map((l) => l.slice(4));

describe("serve refuses a bad configuration before touching anything", () => {
  it("names a missing secret key and a missing repository together", async () => {
    const r = await runCli(
      { APP_DATA_DIR: path.join(root, "a"), POSTGRESQL_DB_CONNECT_STRING: NO_DATABASE },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Invalid configuration:\n/);
    expect(problemsOf(r.stderr)).toEqual([
      "APP_SECRET_KEY: required: the key (at least 16 characters) that signs API tokens",
      "APP_GIT_REPO: required: the DNS records repository, e.g. git+ssh://git@git.example.com/dns.git@main",
    ]);
    expect(r.stdout).not.toContain("listening");
  });

  it("collects format errors, a bad repository URL and what an ssh remote implies in one message", async () => {
    const r = await runCli(
      {
        APP_DATA_DIR: path.join(root, "b"),
        POSTGRESQL_DB_CONNECT_STRING: NO_DATABASE,
        APP_SECRET_KEY: "short",
        APP_LOG_LEVEL: "verbose",
        APP_AUDIT_RETENTION_DAYS: "0",
        APP_GIT_REPO: "http://git.example.com/dns.git",
      },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(problemsOf(r.stderr)).toEqual([
      "APP_SECRET_KEY: must be at least 16 characters",
      "APP_GIT_REPO: plain http:// is not accepted; use https://, ssh or file://",
      `APP_LOG_LEVEL: must be one of ${LEVELS} (got "verbose")`,
      'APP_AUDIT_RETENTION_DAYS: must be a whole number of days from 1 to 3650 (got "0")',
    ]);
  });

  it("an ssh remote without key or known hosts does not start", async () => {
    const r = await runCli(
      {
        APP_DATA_DIR: path.join(root, "c"),
        POSTGRESQL_DB_CONNECT_STRING: NO_DATABASE,
        APP_SECRET_KEY: "0123456789abcdef0123",
        APP_GIT_REPO: "git+ssh://git@git.example.com/dns.git@main",
      },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(problemsOf(r.stderr)).toEqual([
      "APP_GIT_SSH_KEY or APP_GIT_SSH_KEY_FILE: required for the ssh repository in APP_GIT_REPO: the private key of a key with push access",
      "APP_GIT_KNOWN_HOSTS or APP_GIT_KNOWN_HOSTS_FILE: required for the ssh repository in APP_GIT_REPO: its host keys (host keys are always verified), e.g. the output of ssh-keyscan",
    ]);
  });

  it("names key files it cannot read and a data directory it cannot use", async () => {
    const dataFile = path.join(root, "not-a-dir");
    await writeFile(dataFile, "x");
    const r = await runCli(
      {
        APP_DATA_DIR: dataFile,
        POSTGRESQL_DB_CONNECT_STRING: NO_DATABASE,
        APP_SECRET_KEY: "0123456789abcdef0123",
        APP_GIT_REPO: "ssh://git@git.example.com:2222/dns.git",
        APP_GIT_SSH_KEY_FILE: path.join(root, "missing-key"),
        APP_GIT_KNOWN_HOSTS_FILE: root,
      },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(problemsOf(r.stderr)).toEqual([
      `APP_GIT_SSH_KEY_FILE: cannot read ${path.join(root, "missing-key")} (ENOENT)`,
      `APP_GIT_KNOWN_HOSTS_FILE: ${root} is not a regular file`,
      `APP_DATA_DIR: ${dataFile} exists and is not a directory`,
    ]);
  });

  it.skipIf(process.getuid?.() === 0)("names a key file without read permission", async () => {
    const key = path.join(root, "unreadable-key");
    await writeFile(key, "key");
    await chmod(key, 0o000);
    const r = await runCli(
      {
        APP_DATA_DIR: path.join(root, "d"),
        APP_SECRET_KEY: "0123456789abcdef0123",
        APP_GIT_REPO: "ssh://git@git.example.com/dns.git",
        APP_GIT_SSH_KEY_FILE: key,
        APP_GIT_KNOWN_HOSTS: "git.example.com ssh-ed25519 AAAA",
      },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(problemsOf(r.stderr)).toEqual([`APP_GIT_SSH_KEY_FILE: cannot read ${key} (EACCES)`]);
  });
});

describe("inside the charm, errors name the charm options (APP_OPTION_NAMES)", () => {
  const optionNames = JSON.stringify({
    APP_GIT_REPO: "git-repo",
    APP_LOG_LEVEL: "log-level",
    APP_GIT_SSH_KEY_FILE: "git-ssh-key",
    APP_GIT_KNOWN_HOSTS_FILE: "git-known-hosts",
  });

  it("names each option with its variable, also inside a message", async () => {
    const r = await runCli(
      {
        APP_OPTION_NAMES: optionNames,
        APP_DATA_DIR: path.join(root, "e"),
        POSTGRESQL_DB_CONNECT_STRING: NO_DATABASE,
        APP_SECRET_KEY: "0123456789abcdef0123",
        APP_LOG_LEVEL: "loud",
        APP_GIT_REPO: "ssh://git.example.com/dns.git@bad..branch",
      },
      "serve",
    );
    expect(r.code).toBe(1);
    expect(problemsOf(r.stderr)).toEqual([
      'charm option "git-repo" (APP_GIT_REPO): branch "bad..branch" after the last "@" is not a valid branch name',
      `charm option "log-level" (APP_LOG_LEVEL): must be one of ${LEVELS} (got "loud")`,
    ]);
    const ssh = await runCli(
      {
        APP_OPTION_NAMES: optionNames,
        APP_DATA_DIR: path.join(root, "e"),
        APP_SECRET_KEY: "0123456789abcdef0123",
        APP_GIT_REPO: "ssh://git.example.com/dns.git",
      },
      "serve",
    );
    expect(problemsOf(ssh.stderr)[0]).toBe(
      'charm option "git-ssh-key" (APP_GIT_SSH_KEY_FILE): required for the ssh repository in charm option "git-repo" (APP_GIT_REPO): the private key of a key with push access',
    );
  });

  it.each([["not json"], ['["APP_GIT_REPO"]'], ['{"APP_GIT_REPO":42}']])(
    "ignores an unusable hint %j with one warning",
    async (value) => {
      const r = await runCli(
        { APP_OPTION_NAMES: value, APP_DATA_DIR: path.join(root, "f"), APP_LOG_LEVEL: "loud" },
        "serve",
      );
      expect(r.code).toBe(1);
      expect(r.stderr.match(/^Warning: APP_OPTION_NAMES ignored/gm)).toHaveLength(1);
      expect(problemsOf(r.stderr)).toContain(`APP_LOG_LEVEL: must be one of ${LEVELS} (got "loud")`);
    },
  );

  it("management commands name the option too", async () => {
    const r = await runCli(
      { APP_OPTION_NAMES: optionNames, APP_DATA_DIR: path.join(root, "g"), APP_LOG_LEVEL: "loud" },
      "list-domains",
      "*",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('charm option "log-level" (APP_LOG_LEVEL): must be one of');
  });
});
