/**
 * The entry point of the repository's small command-line tools (build-rock, collect-dist,
 * node24-tests): options parsed by `node:util` `parseArgs` with `-h`/`--help` added, the help
 * text printed on request, and one exit-code convention — 0 done, 1 failed, 2 a usage error (an
 * unknown or malformed option, or a `UsageError`), printed as `<name>: <message>`, with
 * `<name>: see --help` after a usage error.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** The command line asked for something the tool does not do; exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const HELP_OPTION = { help: { type: "boolean", short: "h", default: false } } as const;

type WithHelp<O extends ParseArgsOptionsConfig> = O & typeof HELP_OPTION;

/** What `parseArgs` gives for these options (strict, no positionals). */
export type CliValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithHelp<O>; strict: true; allowPositionals: false }>
>["values"];

export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** Prefixes every line the tool prints about an error. */
  readonly name: string;
  /** Printed on stdout for -h/--help. */
  readonly help: string;
  /** The tool's options; -h/--help is added. */
  readonly options: O;
}

export function isUsageError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** Parses argv, runs `main` and resolves with the exit code; errors are written to `stderr`. */
export async function runCli<O extends ParseArgsOptionsConfig>(
  spec: CliSpec<O>,
  argv: readonly string[],
  main: (values: CliValues<O>) => Promise<number>,
  io: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...spec.options, ...HELP_OPTION } as WithHelp<O>,
      strict: true,
      allowPositionals: false,
    });
    if ((values as { help?: boolean }).help) {
      io.stdout(spec.help);
      return 0;
    }
    return await main(values);
  } catch (error) {
    io.stderr(`${spec.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!isUsageError(error)) return 1;
    io.stderr(`${spec.name}: see --help\n`);
    return 2;
  }
}

/** `runCli` on this process's arguments; sets the process's exit code. */
export function cliMain<O extends ParseArgsOptionsConfig>(
  spec: CliSpec<O>,
  main: (values: CliValues<O>) => Promise<number>,
): void {
  void runCli(spec, process.argv.slice(2), main).then((code) => {
    process.exitCode = code;
  });
}
