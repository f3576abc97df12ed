import {
  AUDIT_RETENTION_DAYS,
  AUDIT_RETENTION_RULE,
  parseAuditRetentionDays,
} from "@httprequest-lego-provider/provider/audit-retention";
import { InvalidDomainError, parseGrantDomain } from "@httprequest-lego-provider/provider/dns-name";
import { InvalidGitRemoteError, parseGitRemote } from "@httprequest-lego-provider/provider/git-remote";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "@httprequest-lego-provider/provider/log-level";
import { parsePropagationCheck } from "@httprequest-lego-provider/provider/propagation-setting";

/**
 * Charm config (charmcraft.yaml `config.options`), validated with the service's own parsers
 * (bundled from the provider), so a value the service would refuse blocks the unit instead of
 * crash-looping the service (docs/decisions/0311). Pure.
 */
export interface CharmConfig {
  gitRepo?: GitRepo;
  gitSshKey?: string;
  /** ID of a Juju user secret holding the key under `ssh-key` (option `git-ssh-key-secret`). */
  gitSshKeySecret?: string;
  gitKnownHosts?: string;
  logLevel: LogLevel;
  /** Days of audit events the service keeps (option `audit-retention-days`). */
  auditRetentionDays: number;
  /** `propagation-check` as configured (APP_PROPAGATION_CHECK); unset: /present does not wait. */
  propagationCheck?: string;
  /** `propagation-timeout` in seconds (APP_PROPAGATION_TIMEOUT). */
  propagationTimeout?: number;
  /** `acmedns-zone` (APP_ACMEDNS_ZONE): where acme-dns account labels live. */
  acmednsZone?: string;
  /** `acmedns-register` (APP_ACMEDNS_REGISTER): anonymous acme-dns /register is on. */
  acmednsRegister?: true;
}

export interface GitRepo {
  /** The value as configured (passed on as APP_GIT_REPO). */
  url: string;
  transport: "ssh" | "https" | "file";
  /** ssh remotes only: what ssh-keyscan scans. */
  host?: string;
  port?: number;
}

export interface ConfigProblem {
  option: string;
  message: string;
}

export type ConfigResult = { ok: true; config: CharmConfig } | { ok: false; problems: ConfigProblem[] };

/** `git-repo` as the service parses APP_GIT_REPO; the error text without the variable's name. */
export function parseGitRepo(value: string): GitRepo | string {
  try {
    const remote = parseGitRemote(value);
    const url = value.trim();
    if (!remote.ssh) return { url, transport: remote.transport };
    // ssh-keyscan and known_hosts want the bare address, not the URL's [v6] form.
    const host = remote.ssh.host.replace(/^\[|\]$/g, "");
    return { url, transport: "ssh", host, port: remote.ssh.port ?? 22 };
  } catch (err) {
    if (!(err instanceof InvalidGitRemoteError)) throw err;
    // The service speaks of its variables; the operator sets the charm's options.
    return err.message.replace(/^APP_GIT_REPO:\s*/, "").replaceAll("APP_GIT_SSH_KEY", "git-ssh-key");
  }
}

function stringOption(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** Validates config-get output; every problem is reported at once. */
export function parseConfig(raw: Record<string, unknown>): ConfigResult {
  const problems: ConfigProblem[] = [];
  const config: CharmConfig = { logLevel: "info", auditRetentionDays: AUDIT_RETENTION_DAYS.default };
  const repo = stringOption(raw, "git-repo");
  if (repo !== undefined) {
    const parsed = parseGitRepo(repo);
    if (typeof parsed === "string") problems.push({ option: "git-repo", message: parsed });
    else config.gitRepo = parsed;
  }
  const key = stringOption(raw, "git-ssh-key");
  if (key !== undefined) {
    const problem = sshKeyProblem(key);
    if (problem) problems.push({ option: "git-ssh-key", message: problem });
    else config.gitSshKey = withNewline(key);
  }
  const secret = stringOption(raw, "git-ssh-key-secret");
  if (secret !== undefined) {
    if (/^secret:\S+$/.test(secret.trim())) config.gitSshKeySecret = secret.trim();
    else problems.push({ option: "git-ssh-key-secret", message: "must be a secret ID (secret:...)" });
  }
  const knownHosts = stringOption(raw, "git-known-hosts");
  if (knownHosts !== undefined) config.gitKnownHosts = withNewline(knownHosts);
  const level = stringOption(raw, "log-level");
  if (level !== undefined) {
    const parsed = parseLogLevel(level);
    if (parsed) config.logLevel = parsed;
    else problems.push({ option: "log-level", message: `must be one of ${LOG_LEVELS.join(", ")}` });
  }
  // An int option arrives as a number; the service's own rule decides (docs/decisions/0311).
  const retention = raw["audit-retention-days"];
  if (retention !== undefined && retention !== null && retention !== "") {
    const days = parseAuditRetentionDays(String(retention));
    if (days !== undefined) config.auditRetentionDays = days;
    else problems.push({ option: "audit-retention-days", message: AUDIT_RETENTION_RULE });
  }
  const check = stringOption(raw, "propagation-check");
  if (check !== undefined) {
    try {
      parsePropagationCheck(check);
      config.propagationCheck = check.trim();
    } catch (err) {
      problems.push({ option: "propagation-check", message: (err as Error).message });
    }
  }
  const timeout = raw["propagation-timeout"];
  if (timeout !== undefined) {
    if (typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 1 && timeout <= 3600)
      config.propagationTimeout = timeout;
    else
      problems.push({
        option: "propagation-timeout",
        message: "must be a whole number of seconds, 1 to 3600",
      });
  }
  parseAcmeDnsOptions(raw, config, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** `acmedns-zone` as the service parses APP_ACMEDNS_ZONE; `acmedns-register` needs it. */
function parseAcmeDnsOptions(
  raw: Record<string, unknown>,
  config: CharmConfig,
  problems: ConfigProblem[],
): void {
  const zone = stringOption(raw, "acmedns-zone");
  if (zone !== undefined) {
    try {
      config.acmednsZone = parseGrantDomain(zone);
    } catch (err) {
      if (!(err instanceof InvalidDomainError)) throw err;
      problems.push({ option: "acmedns-zone", message: err.message });
    }
  }
  if (raw["acmedns-register"] === true) {
    if (zone === undefined) {
      problems.push({
        option: "acmedns-register",
        message: "needs acmedns-zone (accounts get a label under it)",
      });
    } else config.acmednsRegister = true;
  }
}

/** Why a private key cannot be used, or undefined. Shared by the option and the secret. */
export function sshKeyProblem(key: string): string | undefined {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)
    ? undefined
    : "must be a private key in PEM/OpenSSH format";
}

/** Config the service cannot run without. */
export function missingConfig(config: CharmConfig): string[] {
  const missing: string[] = [];
  if (!config.gitRepo) missing.push("git-repo");
  if (config.gitRepo?.transport === "ssh" && !config.gitSshKey && !config.gitSshKeySecret)
    missing.push("git-ssh-key");
  return missing;
}
