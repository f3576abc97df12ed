/** The one module that starts processes. Commands arrive as data (see commands.ts). */
import { execa } from "execa";
import type { Command } from "./commands.js";

/** A command exited non-zero or could not start; carries what an operator needs to see why. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    super(`command failed (exit ${exitCode ?? "none"}): ${argv.join(" ")}${tail ? `\n${tail}` : ""}`);
  }
}

export interface RunOptions {
  /** Copy the command's output to ours while it runs (rockcraft pack), instead of capturing it. */
  readonly stream?: boolean;
}

export async function run(command: Command, options: RunOptions = {}): Promise<string> {
  const argv = [command.file, ...command.args];
  const result = await execa(command.file, command.args, {
    cwd: command.cwd,
    env: command.env,
    reject: false,
    stdout: options.stream ? ["pipe", "inherit"] : "pipe",
    stderr: options.stream ? ["pipe", "inherit"] : "pipe",
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.failed) {
    throw new CommandError(
      argv,
      result.exitCode,
      String(result.stdout ?? ""),
      String(result.stderr ?? result.message),
    );
  }
  return String(result.stdout ?? "");
}

/** True when a program is on PATH (used to pick the rockcraft path and to explain missing tools). */
export async function onPath(program: string): Promise<boolean> {
  const result = await execa("sh", ["-c", 'command -v -- "$1"', "sh", program], { reject: false });
  return result.exitCode === 0;
}
