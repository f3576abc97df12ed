/** Charm config (charmcraft.yaml `config.options`), validated. Pure. */
export interface CharmConfig {
  gitRepo?: GitRepo;
  gitSshKey?: string;
  gitKnownHosts?: string;
  logLevel: LogLevelName;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface GitRepo {
  /** The value as configured (passed on as APP_GIT_REPO). */
  url: string;
  transport: "ssh" | "https" | "http" | "file";
  host?: string;
  port?: number;
}

export interface ConfigProblem {
  option: string;
  message: string;
}

export type ConfigResult = { ok: true; config: CharmConfig } | { ok: false; problems: ConfigProblem[] };

const URL_RE = /^(git\+ssh|ssh|https|http|file):\/\/([^/]*)(\/.*)?$/;
const HOST_RE = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

/**
 * Parses `git-repo` in the forms the provider accepts: `git+ssh://user@host[:port]/path.git[@branch]`
 * (the Django charm's form), `ssh://`, `https://`, `http://` and `file://`.
 */
export function parseGitRepo(url: string): GitRepo | string {
  const match = URL_RE.exec(url.trim());
  if (!match) {
    return "must be a git+ssh://user@host[:port]/path.git[@branch], ssh://, https:// or file:// URL";
  }
  const scheme = match[1] as string;
  const authority = match[2] ?? "";
  if (scheme === "file") {
    if (authority !== "" || !match[3]) return "file:// URLs take an absolute path (file:///srv/dns.git)";
    return { url: url.trim(), transport: "file" };
  }
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const portMatch = /^(.*?)(?::(\d{1,5}))?$/.exec(hostPort);
  const host = portMatch?.[1] ?? "";
  const port = portMatch?.[2] ? Number(portMatch[2]) : undefined;
  if (!HOST_RE.test(host)) return `host "${host}" is not a valid host name`;
  if (port !== undefined && (port < 1 || port > 65535)) return `port ${port} is out of range`;
  if (!match[3] || match[3] === "/") return "the URL has no repository path";
  const transport = scheme === "git+ssh" || scheme === "ssh" ? "ssh" : (scheme as "https" | "http");
  const defaultPort = transport === "ssh" ? 22 : transport === "https" ? 443 : 80;
  return { url: url.trim(), transport, host: host.replace(/^\[|\]$/g, ""), port: port ?? defaultPort };
}

function stringOption(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Validates config-get output; every problem is reported at once. */
export function parseConfig(raw: Record<string, unknown>): ConfigResult {
  const problems: ConfigProblem[] = [];
  const config: CharmConfig = { logLevel: "info" };
  const repo = stringOption(raw, "git-repo");
  if (repo !== undefined) {
    const parsed = parseGitRepo(repo);
    if (typeof parsed === "string") problems.push({ option: "git-repo", message: parsed });
    else config.gitRepo = parsed;
  }
  const key = stringOption(raw, "git-ssh-key");
  if (key !== undefined) {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
      problems.push({ option: "git-ssh-key", message: "must be a private key in PEM/OpenSSH format" });
    } else config.gitSshKey = key.endsWith("\n") ? key : `${key}\n`;
  }
  const knownHosts = stringOption(raw, "git-known-hosts");
  if (knownHosts !== undefined)
    config.gitKnownHosts = knownHosts.endsWith("\n") ? knownHosts : `${knownHosts}\n`;
  const level = stringOption(raw, "log-level")?.toLowerCase();
  if (level !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(level)) config.logLevel = level as LogLevelName;
    else problems.push({ option: "log-level", message: `must be one of ${LOG_LEVELS.join(", ")}` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** Config the service cannot run without. */
export function missingConfig(config: CharmConfig): string[] {
  const missing: string[] = [];
  if (!config.gitRepo) missing.push("git-repo");
  if (config.gitRepo?.transport === "ssh" && !config.gitSshKey) missing.push("git-ssh-key");
  return missing;
}
