import { describe, expect, it } from "vitest";
import type { CharmConfig } from "../src/config.js";
import { desiredEnvironment } from "../src/layer.js";
import { OPTION_NAMES_VARIABLE } from "../src/option-names.js";

const SSH_REPO = { url: "git+ssh://git@h/x.git", transport: "ssh", host: "h", port: 22 } as const;

/** What the service will read to name an option instead of a variable in its errors. */
function namesFor(config: CharmConfig, extra: { baseUrl?: string } = {}): Record<string, string> {
  const env = desiredEnvironment({
    config,
    secretKey: "s".repeat(32),
    databaseUrl: "postgresql://u:p@h/d",
    ...extra,
  });
  return JSON.parse(env[OPTION_NAMES_VARIABLE] ?? "{}") as Record<string, string>;
}

describe("APP_OPTION_NAMES: which option each APP_* variable came from", () => {
  it.each<[string, CharmConfig, Record<string, string>]>([
    [
      "ssh remote with git-ssh-key",
      { gitRepo: SSH_REPO, gitSshKey: "k", logLevel: "info", auditRetentionDays: 90 },
      {
        APP_GIT_REPO: "git-repo",
        APP_GIT_SSH_KEY_FILE: "git-ssh-key",
        APP_GIT_KNOWN_HOSTS_FILE: "git-known-hosts",
        APP_LOG_LEVEL: "log-level",
        APP_AUDIT_RETENTION_DAYS: "audit-retention-days",
      },
    ],
    [
      "the key from git-ssh-key-secret (it wins over git-ssh-key)",
      {
        gitRepo: SSH_REPO,
        gitSshKey: "k",
        gitSshKeySecret: "secret:x",
        logLevel: "info",
        auditRetentionDays: 90,
      },
      {
        APP_GIT_REPO: "git-repo",
        APP_GIT_SSH_KEY_FILE: "git-ssh-key-secret",
        APP_GIT_KNOWN_HOSTS_FILE: "git-known-hosts",
        APP_LOG_LEVEL: "log-level",
        APP_AUDIT_RETENTION_DAYS: "audit-retention-days",
      },
    ],
    [
      "https remote: no ssh variables to name",
      {
        gitRepo: { url: "https://h/x.git", transport: "https" },
        logLevel: "debug",
        auditRetentionDays: 7,
      },
      {
        APP_GIT_REPO: "git-repo",
        APP_LOG_LEVEL: "log-level",
        APP_AUDIT_RETENTION_DAYS: "audit-retention-days",
      },
    ],
  ])("%s", (_, config, expected) => {
    expect(namesFor(config)).toEqual(expected);
  });

  it("names no variable that comes from a relation or the charm itself", () => {
    const names = namesFor(
      { gitRepo: SSH_REPO, gitSshKey: "k", logLevel: "info", auditRetentionDays: 90 },
      { baseUrl: "https://dns.example/m-app" },
    );
    for (const variable of [
      "APP_BASE_URL",
      "APP_SECRET_KEY",
      "POSTGRESQL_DB_CONNECT_STRING",
      "APP_DATA_DIR",
    ]) {
      expect(names).not.toHaveProperty(variable);
    }
  });
});
