/** The bench's only process runner: argv arrays, never a shell string. */
import { execa } from "execa";

/** A command exited non-zero, timed out or could not start; keeps argv and both streams. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `${argv.join(" ")} failed (exit ${exitCode ?? "none"}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
    );
  }
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs `cmd args` and resolves with its stdout; `env` replaces the environment when given. */
export async function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await execa(cmd, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" }),
  });
  const stdout = String(result.stdout ?? "");
  if (result.failed) {
    const stderr = String(result.stderr ?? "") || (result.cause instanceof Error ? result.cause.message : "");
    throw new CommandError([cmd, ...args], result.exitCode, stdout, stderr || (result.shortMessage ?? ""));
  }
  return stdout;
}

/** Environment for git commands the bench runs itself (isolated from the user's git config). */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LC_ALL: "C",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@localhost",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@localhost",
    // ssh remotes belong to the ssh account; the bench reads them directly afterwards.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "safe.directory",
    GIT_CONFIG_VALUE_0: "*",
    ...extra,
  };
}
