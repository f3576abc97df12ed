/** How the bench runs a command: the shared runner, with every command bounded in time. */
import { output, type RunOptions } from "@httprequest-lego-provider/run-command";

/** Runs argv and resolves with its stdout; a command still running after 2 minutes fails the run. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  return output(argv, { timeoutMs: 120_000, ...options });
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
