/**
 * Real git as the oracle for the git-wire tests: byte-exact stdin and stdout (object bodies,
 * trees with non-UTF-8 names and packs are binary), plus the exit code and stderr.
 */
import { spawn } from "node:child_process";
import { FIXTURE_GIT_SETTINGS } from "./git-fixtures.js";

/** Environment for git children: only PATH and HOME from ours, then the fixture settings. */
export const WIRE_GIT_ENV: Readonly<Record<string, string>> = {
  PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
  HOME: process.env.HOME ?? "/",
  ...FIXTURE_GIT_SETTINGS,
};

export interface RawResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a command with optional stdin bytes; never rejects on a non-zero exit. */
export function runRaw(
  file: string,
  args: readonly string[],
  options: { cwd?: string; input?: Buffer | string; env?: Readonly<Record<string, string>> } = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: { ...WIRE_GIT_ENV, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => undefined);
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }),
    );
    child.stdin.end(options.input ?? "");
  });
}

/** git with raw bytes in and out; rejects with git's stderr when it exits non-zero. */
export async function gitRaw(
  args: readonly string[],
  options: { cwd?: string; input?: Buffer | string } = {},
): Promise<Buffer> {
  const r = await runRaw("git", args, options);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** git's stdout as trimmed text. */
export async function gitText(
  args: readonly string[],
  options: { cwd?: string; input?: Buffer | string } = {},
) {
  return (await gitRaw(args, options)).toString("utf8").trim();
}
