/** Runs the commands of commands.ts (argv as data) with the shared runner. */
import { output } from "@httprequest-lego-provider/run-command";
import type { Command } from "./commands.js";

export { CommandError, onPath } from "@httprequest-lego-provider/run-command";

export interface RunOptions {
  /** Copy the command's output to ours while it runs (rockcraft pack), as well as capturing it. */
  readonly stream?: boolean;
}

/** Resolves with the command's stdout; its `env` is added to ours. */
export function run(command: Command, options: RunOptions = {}): Promise<string> {
  return output([command.file, ...command.args], {
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
    env: { ...process.env, ...command.env },
    stream: options.stream ?? false,
  });
}
