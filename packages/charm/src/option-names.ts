import type { CharmConfig } from "./config.js";

/**
 * The variable that tells the service which charm option each of its APP_* variables came from:
 * a JSON object such as {"APP_GIT_REPO":"git-repo"}. The service reads it to name the option an
 * operator sets, not a variable they never see (docs/decisions/0325).
 */
export const OPTION_NAMES_VARIABLE = "APP_OPTION_NAMES";

/** Each APP_* variable set from an option, mapped to that option; others left out. Pure. */
export function optionNames(
  environment: Readonly<Record<string, string>>,
  config: CharmConfig,
): Record<string, string> {
  const sources: Record<string, string> = {
    APP_GIT_REPO: "git-repo",
    // The key file holds the secret's key when git-ssh-key-secret is set (it wins).
    APP_GIT_SSH_KEY_FILE: config.gitSshKeySecret ? "git-ssh-key-secret" : "git-ssh-key",
    // Scanned or pinned, git-known-hosts is where the operator fixes a host key.
    APP_GIT_KNOWN_HOSTS_FILE: "git-known-hosts",
    APP_LOG_LEVEL: "log-level",
    APP_AUDIT_RETENTION_DAYS: "audit-retention-days",
    APP_PROPAGATION_CHECK: "propagation-check",
    APP_PROPAGATION_TIMEOUT: "propagation-timeout",
    APP_ACMEDNS_ZONE: "acmedns-zone",
    APP_ACMEDNS_REGISTER: "acmedns-register",
  };
  return Object.fromEntries(Object.entries(sources).filter(([variable]) => variable in environment));
}
