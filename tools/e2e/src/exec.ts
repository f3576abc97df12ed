/**
 * The only module that starts processes. Commands are argv arrays (never shell strings); a failed
 * command raises CommandError carrying argv, exit code and output so the report can show them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { constants } from "node:os";
import { execa, type ResultPromise } from "execa";

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Resolve instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean;
}

export interface RunResult {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(readonly result: RunResult) {
    const why = result.timedOut ? "timed out" : `exited with ${result.code}`;
    const tail = lastLines(`${result.stderr}\n${result.stdout}`, 15);
    super(`${displayArgv(result.argv)} ${why}${tail ? `:\n${tail}` : ""}`);
  }
}

/** Pure: argv for messages, with the value after any `--password` hidden. */
export function displayArgv(argv: readonly string[]): string {
  return argv.map((arg, i) => (argv[i - 1] === "--password" ? "***" : arg)).join(" ");
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join("\n");
}

/** Shell convention: the exit code, or 128 + the number of the signal that ended the process. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
}

/** Commands still running, so an aborted run can stop them by pid. */
const running = new Set<ResultPromise>();

export function killRunningCommands(): void {
  for (const child of running) child.kill("SIGKILL");
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("run() needs a command");
  const child = execa(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    killSignal: "SIGKILL",
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  running.add(child);
  const outcome = await child.finally(() => running.delete(child));
  // A command that could not start (not installed) is an error of the run, not an exit code.
  if (outcome.exitCode === undefined && outcome.signal === undefined && !outcome.timedOut) {
    throw outcome.cause instanceof Error ? outcome.cause : new Error(outcome.message);
  }
  const result: RunResult = {
    argv,
    code: exitStatus(outcome.exitCode ?? null, outcome.signal ?? null),
    stdout: String(outcome.stdout ?? ""),
    stderr: String(outcome.stderr ?? ""),
    durationMs: outcome.durationMs,
    timedOut: outcome.timedOut,
  };
  if ((result.code !== 0 || result.timedOut) && !options.allowFailure) throw new CommandError(result);
  return result;
}

/** A long-running process whose output goes to a log file; stopped by pid. */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or 128+signal) once the process has exited. */
  readonly exited: Promise<number>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number>;
}

/** Every daemon started, in start order, so cleanup can stop them all by pid (newest first). */
const daemons: Daemon[] = [];

/** Stops every daemon still running, newest first; resolves with each one's exit code. */
export async function stopAllDaemons(): Promise<{ name: string; pid: number; code: number }[]> {
  const stopped: { name: string; pid: number; code: number }[] = [];
  for (const daemon of [...daemons].reverse()) {
    if (daemon.hasExited()) continue;
    stopped.push({ name: daemon.name, pid: daemon.pid, code: await daemon.stop() });
  }
  return stopped;
}

export function startDaemon(
  name: string,
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): Daemon {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("startDaemon() needs a command");
  const fd = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  // A missing binary is reported through "error"; without a listener it would crash the run.
  child.on("error", () => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name} (${command}): is it installed?`);
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(exitStatus(code, signal));
    });
  });
  const daemon: Daemon = {
    name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 5_000): Promise<number> {
      if (done) return exited;
      process.kill(pid, "SIGTERM");
      const killer = setTimeout(() => {
        if (!done) process.kill(pid, "SIGKILL");
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
  daemons.push(daemon);
  return daemon;
}
