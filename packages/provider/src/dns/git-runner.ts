/**
 * The one place the DNS store runs git: simple-git with a fixed, isolated environment, where a
 * failed command always becomes a GitCommandError carrying argv, exit code, stdout and stderr
 * (git reports a rejected push on either stream, so both are kept).
 */
import { type SimpleGit, simpleGit } from "simple-git";
import { hardenedGitEnvironment } from "./git-hardening.js";
import type { GitTransport } from "./git-remote.js";
import { redactCredentials } from "./redact-credentials.js";

/**
 * Everything in it is already redacted (argv holds the remote URL, git's output may quote it), so
 * the error can be logged or stringified anywhere without leaking a token.
 */
export class GitCommandError extends Error {
  override readonly name = "GitCommandError";
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    args: readonly string[],
    readonly exitCode: number | undefined,
    stdout: string,
    stderr: string,
    secrets: readonly string[] = [],
  ) {
    const clean = (text: string) => redactCredentials(text, secrets);
    const err = clean(stderr);
    super(`git ${args[0] ?? ""} failed (exit ${exitCode ?? "?"}): ${err.trim().split("\n").at(-1) ?? ""}`);
    this.args = args.map(clean);
    this.stdout = clean(stdout);
    this.stderr = err;
  }

  get output(): string {
    return `${this.stderr}\n${this.stdout}`;
  }
}

export interface TreeListingEntry {
  readonly mode: string;
  readonly type: string;
  readonly id: string;
  readonly name: string;
}

/** Parses `git ls-tree -z` output (`<mode> SP <type> SP <id> TAB <name> NUL`...). Pure. */
export function parseLsTree(output: string): TreeListingEntry[] {
  const entries: TreeListingEntry[] = [];
  for (const record of output.split("\0")) {
    if (record === "") continue;
    const m = /^(\d+) (\S+) ([0-9a-f]{40,64})\t(.+)$/s.exec(record);
    if (!m) throw new Error(`unexpected git ls-tree line "${record.slice(0, 120)}"`);
    const [, mode, type, id, name] = m as unknown as [string, string, string, string, string];
    entries.push({ mode, type, id, name });
  }
  return entries;
}

interface RawFailure {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/**
 * Environment for every git child: no user/system config, no prompts, C locale, and the hardened
 * settings (git-hardening.ts) allowing only `transport`.
 */
export function gitEnvironment(
  identity: GitIdentity,
  extra: Readonly<Record<string, string>>,
  transport: GitTransport,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/",
    LC_ALL: "C",
    LANG: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
    ...hardenedGitEnvironment(transport),
    ...extra,
  };
  return env;
}

/**
 * Note for callers: simple-git waits an extra 50 ms after a child that printed nothing exits
 * (its completion detection), so hot-path commands are run without `--quiet`.
 */
export class GitRunner {
  private readonly git: SimpleGit;
  /**
   * simple-git wraps whatever its error hook returns in its own GitError, keeping only a
   * message; the hook parks the full result here under a ticket that the message carries.
   */
  private readonly failures = new Map<string, RawFailure>();
  private ticket = 0;

  constructor(
    readonly cwd: string,
    env: Readonly<Record<string, string>>,
    timeoutMs = 60_000,
    /** Credentials in the remote URL, hidden in every GitCommandError (GitRemote.secrets). */
    private readonly secrets: readonly string[] = [],
  ) {
    this.git = simpleGit({
      baseDir: cwd,
      maxConcurrentProcesses: 2,
      trimmed: false,
      timeout: { block: timeoutMs },
      // simple-git refuses these settings whatever their value; ours are fixed, never user
      // input: GIT_SSH_COMMAND, GIT_CONFIG_GLOBAL, and the hardening (git-hardening.ts) that
      // switches hooks, fsmonitor, askpass, credential helpers and other protocols off.
      unsafe: {
        allowUnsafeSshCommand: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeConfigEnvCount: true,
        allowUnsafeHooksPath: true,
        allowUnsafeFsMonitor: true,
        allowUnsafeAskPass: true,
        allowUnsafeCredentialHelper: true,
        allowUnsafeProtocolOverride: true,
      },
      errors: (error, result) => {
        if (result.exitCode === 0 && error === undefined) return undefined;
        this.ticket += 1;
        const ticket = `git-failure#${this.ticket}`;
        this.failures.set(ticket, {
          exitCode: result.exitCode,
          stdout: Buffer.concat(result.stdOut).toString("utf8"),
          stderr:
            Buffer.concat(result.stdErr).toString("utf8") || (error instanceof Error ? error.message : ""),
        });
        return Buffer.from(ticket);
      },
    }).env({ ...env });
  }

  /** `git cat-file <type> <object>` as bytes (trees are binary). */
  async catFile(type: "tree" | "commit" | "blob", object: string): Promise<Buffer> {
    const args = [type, object];
    try {
      return await this.git.binaryCatFile(args);
    } catch (err) {
      throw new GitCommandError(
        ["cat-file", ...args],
        undefined,
        "",
        err instanceof Error ? err.message : String(err),
        this.secrets,
      );
    }
  }

  /** The top-level entries of a tree (names unquoted: -z). */
  async listTree(treeish: string): Promise<TreeListingEntry[]> {
    return parseLsTree(await this.run(["ls-tree", "-z", treeish]));
  }

  /** Runs `git <args>` and returns stdout; throws GitCommandError on any failure. */
  async run(args: readonly string[]): Promise<string> {
    try {
      return await this.git.raw([...args]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const ticket = /git-failure#\d+/.exec(message)?.[0];
      const failure = ticket === undefined ? undefined : this.failures.get(ticket);
      if (ticket !== undefined) this.failures.delete(ticket);
      if (failure !== undefined)
        throw new GitCommandError(args, failure.exitCode, failure.stdout, failure.stderr, this.secrets);
      throw new GitCommandError(args, undefined, "", message, this.secrets);
    }
  }
}
