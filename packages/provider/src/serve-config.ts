import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { type Config, type ConfigEnv, type ConfigProblem, loadConfig, parseEnvironment } from "./config.js";
import { parseGitRemote } from "./dns/git-remote.js";

/**
 * Everything `serve` needs from its settings, checked before anything touches the database or
 * the repository, so one start names every problem at once (and an ssh remote without a key
 * never gets as far as listening).
 */

export const MISSING_SECRET_KEY: ConfigProblem = {
  variables: ["APP_SECRET_KEY"],
  message: "required: the key (at least 16 characters) that signs API tokens",
};
export const MISSING_GIT_REPO: ConfigProblem = {
  variables: ["APP_GIT_REPO"],
  message: "required: the DNS records repository, e.g. git+ssh://git@git.example.com/dns.git@main",
};

/** What serving requires beyond each variable's own format. Pure. */
export function serveRequirements(
  values: Partial<ConfigEnv>,
  failed: ReadonlySet<string>,
  dev: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const missing = (name: string) => values[name as keyof ConfigEnv] === undefined && !failed.has(name);
  if (!dev && missing("APP_SECRET_KEY")) problems.push(MISSING_SECRET_KEY);
  if (!dev && missing("APP_GIT_REPO")) problems.push(MISSING_GIT_REPO);
  const repo = values.APP_GIT_REPO;
  if (repo !== undefined && parseGitRemote(repo).transport === "ssh") {
    if (missing("APP_GIT_SSH_KEY") && missing("APP_GIT_SSH_KEY_FILE"))
      problems.push({
        variables: ["APP_GIT_SSH_KEY", "APP_GIT_SSH_KEY_FILE"],
        message: "required for the ssh repository in APP_GIT_REPO: the private key of a key with push access",
      });
    if (missing("APP_GIT_KNOWN_HOSTS") && missing("APP_GIT_KNOWN_HOSTS_FILE"))
      problems.push({
        variables: ["APP_GIT_KNOWN_HOSTS", "APP_GIT_KNOWN_HOSTS_FILE"],
        message:
          "required for the ssh repository in APP_GIT_REPO: its host keys (host keys are always verified), e.g. the output of ssh-keyscan",
      });
  }
  return problems;
}

/** The files the settings name can be read, and the data directory can be used. */
export async function settingFileProblems(values: Partial<ConfigEnv>): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  // A file is read only when no text was given (the text wins, as in the git store).
  const files: [string, string | undefined, string | undefined][] = [
    ["APP_GIT_SSH_KEY_FILE", values.APP_GIT_SSH_KEY_FILE, values.APP_GIT_SSH_KEY],
    ["APP_GIT_KNOWN_HOSTS_FILE", values.APP_GIT_KNOWN_HOSTS_FILE, values.APP_GIT_KNOWN_HOSTS],
  ];
  for (const [name, file, text] of files) {
    if (file === undefined || text !== undefined) continue;
    const problem = await readableFileProblem(file);
    if (problem) problems.push({ variables: [name], message: problem });
  }
  if (values.APP_DATA_DIR !== undefined) {
    const problem = await dataDirProblem(path.resolve(values.APP_DATA_DIR));
    if (problem) problems.push({ variables: ["APP_DATA_DIR"], message: problem });
  }
  return problems;
}

async function readableFileProblem(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return `${file} is not a regular file`;
    await access(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`;
  }
}

/** The directory exists and is writable, or its nearest existing parent is (serve creates it). */
async function dataDirProblem(dir: string): Promise<string | undefined> {
  let probe = dir;
  for (;;) {
    try {
      const info = await stat(probe);
      if (!info.isDirectory()) return `${probe} exists and is not a directory`;
      await access(probe, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && path.dirname(probe) !== probe) {
        probe = path.dirname(probe);
        continue;
      }
      return probe === dir
        ? `cannot write to ${dir} (${code ?? "error"})`
        : `cannot create ${dir}: ${probe} is not writable (${code ?? "error"})`;
    }
  }
}

/** The configuration for `serve`: every problem, of any variable, in one ConfigError. */
export async function loadServeConfig(env: NodeJS.ProcessEnv, options: { dev: boolean }): Promise<Config> {
  const { values, problems } = parseEnvironment(env);
  const failed = new Set(problems.flatMap((p) => p.variables));
  const more = [...serveRequirements(values, failed, options.dev), ...(await settingFileProblems(values))];
  return loadConfig(env, more);
}
