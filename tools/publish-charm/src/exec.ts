/** The one place publish-charm starts processes. */
import { execa } from "execa";
import { CommandError } from "./errors.js";

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs argv without a shell. stdout is captured (charmcraft prints its JSON there); stderr is
 * captured too and shown only on failure, because it carries charmcraft's progress chatter.
 */
export async function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error("empty argv");
  const result = await execa(file, args, { env, extendEnv: false, reject: false, stdin: "ignore" });
  if (result.failed) {
    const detail =
      result.exitCode === undefined
        ? `could not be started (${result.originalMessage ?? result.shortMessage})`
        : `exited with code ${result.exitCode}`;
    throw new CommandError(argv, result.exitCode, result.stdout, result.stderr, detail);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}
