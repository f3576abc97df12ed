import { execa } from "execa";

/** How a failed hook tool is classified, from its stderr (as ops' _ModelBackend does). */
export type HookToolErrorKind =
  | "relation-not-found"
  | "secret-not-found"
  | "permission-denied"
  | "not-found"
  | "other";

/** A hook tool exited non-zero (or could not be started); carries argv, exit code and both streams. */
export class HookToolError extends Error {
  override readonly name = "HookToolError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
    readonly kind: HookToolErrorKind,
  ) {
    super(`${argv[0]} failed (exit ${exitCode ?? "none"}): ${stderr.trim() || stdout.trim() || "no output"}`);
  }
}

export function classifyStderr(tool: string, stderr: string): HookToolErrorKind {
  const text = stderr.toLowerCase();
  if (text.includes("relation not found")) return "relation-not-found";
  if (tool.startsWith("secret-") && text.includes("not found")) return "secret-not-found";
  if (
    text.includes("permission denied") ||
    text.includes("not the leader") ||
    text.includes("cannot write relation settings")
  ) {
    return "permission-denied";
  }
  if (text.includes("not found")) return "not-found";
  return "other";
}

export interface RunOptions {
  /** Written to the tool's stdin (e.g. `relation-set --file -`). */
  input?: string;
}

/** Runs a hook tool found on PATH; the environment is passed on untouched (tools need JUJU_*). */
export type HookToolRunner = (argv: readonly string[], options?: RunOptions) => Promise<string>;

export const runHookTool: HookToolRunner = async (argv, options = {}) => {
  const [tool, ...args] = argv;
  if (!tool) throw new Error("runHookTool: empty argv");
  const result = await execa(tool, args, {
    reject: false,
    stripFinalNewline: false,
    timeout: 120_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" }),
  });
  const stdout = String(result.stdout ?? "");
  const stderr = String(result.stderr ?? "");
  if (result.failed) {
    const detail = stderr || (result.cause instanceof Error ? result.cause.message : "");
    throw new HookToolError(argv, result.exitCode, stdout, detail, classifyStderr(tool, detail));
  }
  return stdout;
};

/** Parses `--format=json` output, naming the tool when the output is not JSON. */
export function parseJson(argv: readonly string[], stdout: string): unknown {
  const text = stdout.trim();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HookToolError(argv, 0, stdout, `output of ${argv[0]} is not JSON`, "other");
  }
}
