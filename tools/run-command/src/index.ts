/**
 * The one way the build tools, the end-to-end run, the bench and their tests start a program
 * (decision 0605). Commands are argv arrays, never shell strings. A command that fails raises one
 * `CommandError` that carries argv, exit code, both streams and a message an operator can act on;
 * a long-running daemon writes to a log file and is stopped by its pid.
 */
import { closeSync, openSync } from "node:fs";
import { constants } from "node:os";
import { execa, type ResultPromise } from "execa";

export interface RunOptions {
  readonly cwd?: string;
  /** The command's whole environment (default: ours). Nothing else is added to it. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin (a stream as it comes); without it stdin is closed. */
  readonly input?: string | AsyncIterable<string>;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing when the command exits non-zero or times out. */
  readonly allowFailure?: boolean;
  /** Also copy the command's output to ours as it comes (progress of a long build). */
  readonly stream?: boolean;
  /** The command shares our stdin, stdout and stderr; nothing is captured (a run handed to a wrapper). */
  readonly inherit?: boolean;
}

export interface RunResult {
  readonly argv: readonly string[];
  /** The exit code, or 128 + the signal's number when a signal ended the command. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** The signal that ended the command, if one did. */
  readonly signal: string | undefined;
}

/** How many lines of a failed command's output its message quotes. */
const TAIL_LINES = 15;

/**
 * A command exited non-zero, timed out, was killed or could not be started. `headline` says which
 * and names the command; `message` adds the end of its output (stderr, or stdout when stderr is empty).
 */
export class CommandError extends Error {
  override readonly name = "CommandError";
  readonly argv: readonly string[];
  /** undefined when the command never ran or a signal ended it. */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly headline: string;

  constructor(failure: {
    argv: readonly string[];
    exitCode: number | undefined;
    stdout: string;
    stderr: string;
    /** What happened, after the command's name: "exited with code 2", "timed out after 5000 ms"... */
    why: string;
    timedOut?: boolean;
    cause?: unknown;
  }) {
    const headline = `\`${displayArgv(failure.argv)}\` ${failure.why}`;
    const tail = lastLines(failure.stderr.trim() ? failure.stderr : failure.stdout, TAIL_LINES);
    super(
      tail ? `${headline}:\n${tail}` : headline,
      failure.cause === undefined ? {} : { cause: failure.cause },
    );
    this.argv = failure.argv;
    this.exitCode = failure.exitCode;
    this.stdout = failure.stdout;
    this.stderr = failure.stderr;
    this.timedOut = failure.timedOut ?? false;
    this.headline = headline;
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
function exitStatus(code: number | undefined, signal: string | undefined): number {
  if (code !== undefined) return code;
  return 128 + (signal === undefined ? 0 : (constants.signals[signal as NodeJS.Signals] ?? 0));
}

/** Commands still running, so an aborted run can stop them by pid. */
const running = new Set<ResultPromise>();

/** Sends `signal` (default SIGKILL) to every command `run` started that has not finished yet. */
export function killRunningCommands(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const child of running) child.kill(signal);
}

/** Runs argv to its end; throws CommandError unless it exits 0 (or `allowFailure` is set). */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("run() needs a command");
  const streams = options.inherit ? "inherit" : options.stream ? (["pipe", "inherit"] as const) : "pipe";
  const stdin = options.inherit
    ? { stdin: "inherit" as const }
    : options.input === undefined
      ? { stdin: "ignore" as const }
      : typeof options.input === "string"
        ? { input: options.input }
        : { stdin: options.input };
  const child = execa(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
    killSignal: "SIGKILL",
    stdout: streams,
    stderr: streams,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...stdin,
  });
  running.add(child);
  const outcome = await child.finally(() => running.delete(child));
  const stdout = String(outcome.stdout ?? "");
  const stderr = String(outcome.stderr ?? "");
  if (outcome.exitCode === undefined && outcome.signal === undefined && !outcome.timedOut) {
    // Not installed, not executable, a missing cwd: an error of the run, not an exit code.
    const reason = outcome.cause instanceof Error ? outcome.cause.message : outcome.shortMessage;
    throw new CommandError({
      argv,
      exitCode: undefined,
      stdout,
      stderr,
      why: `could not be started (${reason})`,
      cause: outcome.cause,
    });
  }
  const result: RunResult = {
    argv,
    code: exitStatus(outcome.exitCode, outcome.signal),
    stdout,
    stderr,
    durationMs: outcome.durationMs,
    timedOut: outcome.timedOut,
    signal: outcome.signal,
  };
  if ((result.code !== 0 || result.timedOut) && !options.allowFailure) {
    const why = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : outcome.exitCode === undefined
        ? `was killed by ${outcome.signal}`
        : `exited with code ${result.code}`;
    throw new CommandError({
      argv,
      exitCode: outcome.exitCode,
      stdout,
      stderr,
      why,
      timedOut: result.timedOut,
    });
  }
  return result;
}

/** `run`, resolving with stdout only. */
export async function output(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  return (await run(argv, options)).stdout;
}

/** True when a program is on PATH. */
export async function onPath(program: string): Promise<boolean> {
  const probe = await run(["sh", "-c", 'command -v -- "$1"', "sh", program], { allowFailure: true });
  return probe.code === 0;
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

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Both of the daemon's streams are appended here. */
  readonly logFile: string;
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

/** Starts argv in the background, its output appended to `logFile`; `name` is for messages. */
export function start(name: string, argv: readonly string[], options: StartOptions): Daemon {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("start() needs a command");
  const fd = openSync(options.logFile, "a");
  const child = (() => {
    try {
      return execa(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        extendEnv: false,
        reject: false,
        // Stopped by pid, by its owner: execa must not kill it when this process exits.
        cleanup: false,
        stdin: "ignore",
        // Handed to the child as they are; execa's types only list the numbers 3 to 9.
        stdout: fd as 3,
        stderr: fd as 3,
      });
    } finally {
      closeSync(fd);
    }
  })();
  const pid = child.pid;
  if (pid === undefined) {
    void child.catch(() => undefined);
    throw new Error(`could not start ${name} (${displayArgv(argv)}): is ${command} installed?`);
  }
  let done = false;
  const exited = child.then((outcome) => {
    done = true;
    return exitStatus(outcome.exitCode, outcome.signal);
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
