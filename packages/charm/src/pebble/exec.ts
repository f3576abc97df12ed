import WebSocket from "ws";
import { ExecError, PebbleConnectionError, PebbleTimeoutError } from "./errors.js";
import type { Change } from "./types.js";

export interface ExecOptions {
  environment?: Record<string, string>;
  workingDir?: string;
  userId?: number;
  groupId?: number;
  user?: string;
  group?: string;
  /** Command timeout in ms (Pebble kills the process after it). */
  timeoutMs?: number;
  stdin?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecTransport {
  socketPath: string;
  postExec(payload: Record<string, unknown>): Promise<{ changeId: string; taskId: string }>;
  waitChange(changeId: string, timeoutMs: number): Promise<Change>;
}

/** Collects one I/O websocket's binary frames until Pebble's `{"command":"end"}` text frame. */
function collect(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    };
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) chunks.push(buf);
      else if (buf.toString("utf8").includes('"end"')) finish();
    });
    ws.on("close", finish);
    ws.on("error", (err) => (done ? undefined : reject(err)));
  });
}

function connect(socketPath: string, taskId: string, name: string): Promise<WebSocket> {
  const url = `ws+unix://${socketPath}:/v1/tasks/${encodeURIComponent(taskId)}/websocket/${name}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", (err) =>
      reject(new PebbleConnectionError(socketPath, `exec websocket ${name}: ${err.message}`)),
    );
  });
}

/**
 * Pebble exec: POST /v1/exec, then the control, stdio and stderr websockets, stdin sent and
 * closed with `{"command":"end"}`, output read to its end marker, exit code from the change.
 * Protocol: canonical/pebble client/exec.go.
 */
export async function runExec(
  transport: ExecTransport,
  command: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const payload: Record<string, unknown> = {
    command,
    environment: options.environment ?? {},
    timeout: `${Math.ceil(timeoutMs / 1000)}s`,
    "split-stderr": true,
    terminal: false,
    interactive: false,
  };
  if (options.workingDir) payload["working-dir"] = options.workingDir;
  if (options.userId !== undefined) payload["user-id"] = options.userId;
  if (options.groupId !== undefined) payload["group-id"] = options.groupId;
  if (options.user) payload.user = options.user;
  if (options.group) payload.group = options.group;

  const { changeId, taskId } = await transport.postExec(payload);
  const control = await connect(transport.socketPath, taskId, "control");
  const stdio = await connect(transport.socketPath, taskId, "stdio");
  const stderrWs = await connect(transport.socketPath, taskId, "stderr");
  try {
    const out = collect(stdio);
    const err = collect(stderrWs);
    if (options.stdin) stdio.send(Buffer.from(options.stdin, "utf8"), { binary: true });
    stdio.send(JSON.stringify({ command: "end" }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PebbleTimeoutError(
              `exec ${JSON.stringify(command[0])} gave no output end after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs + 10_000,
      );
    });
    const [stdout, stderr] = await Promise.race([Promise.all([out, err]), timeout]).finally(() =>
      clearTimeout(timer),
    );
    const change = await transport.waitChange(changeId, timeoutMs + 10_000);
    const raw = change.tasks?.[0]?.data?.["exit-code"];
    const exitCode = typeof raw === "number" ? raw : -1;
    const result = { stdout: stdout.toString("utf8"), stderr: stderr.toString("utf8"), exitCode };
    if (exitCode !== 0) throw new ExecError(command, exitCode, result.stdout, result.stderr);
    return result;
  } finally {
    for (const ws of [control, stdio, stderrWs]) ws.close();
  }
}
