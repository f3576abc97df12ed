import http from "node:http";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import {
  PebbleAPIError,
  PebbleChangeError,
  PebbleConnectionError,
  PebblePathError,
  PebbleTimeoutError,
} from "./errors.js";
import { type ExecOptions, type ExecResult, runExec } from "./exec.js";
import { boundaryOf, buildMultipart, parseMultipart } from "./multipart.js";
import type { Change, CheckInfo, FileInfo, Layer, Plan, ServiceInfo, SystemInfo } from "./types.js";

interface Envelope {
  type: "sync" | "async" | "error";
  "status-code": number;
  result: unknown;
  change?: string;
}

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

export interface PushOptions {
  permissions?: number;
  userId?: number;
  groupId?: number;
  user?: string;
  group?: string;
  makeDirs?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Client of Pebble's REST API over its unix socket, one thin verb per endpoint, the response
 * envelope decoded in one place. API: https://documentation.ubuntu.com/pebble/reference/api/
 */
export class PebbleClient {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private raw(
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
    timeoutMs = this.timeoutMs,
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: {
            Host: "localhost",
            ...(body ? { "Content-Length": String(body.length) } : {}),
            ...headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers["content-type"],
              body: Buffer.concat(chunks),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () =>
        req.destroy(new PebbleTimeoutError(`Pebble ${method} ${path} timed out after ${timeoutMs} ms`)),
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof PebbleTimeoutError) reject(err);
        else if (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "EACCES") {
          reject(new PebbleConnectionError(this.socketPath, err.code));
        } else reject(new PebbleConnectionError(this.socketPath, err.message));
      });
      req.end(body);
    });
  }

  private decode(method: string, path: string, res: RawResponse): Envelope {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new PebbleAPIError(res.status, "", "response is not JSON", method, path);
    }
    if (!isRecord(parsed) || typeof parsed.type !== "string") {
      throw new PebbleAPIError(res.status, "", "response is not a Pebble envelope", method, path);
    }
    const envelope = parsed as unknown as Envelope;
    if (envelope.type === "error") {
      const result = isRecord(envelope.result) ? envelope.result : {};
      throw new PebbleAPIError(
        res.status,
        typeof result.kind === "string" ? result.kind : "",
        typeof result.message === "string" ? result.message : "unknown error",
        method,
        path,
      );
    }
    return envelope;
  }

  private async json(
    method: string,
    path: string,
    payload?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<Envelope> {
    const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
    const res = await this.raw(
      method,
      path,
      body,
      body ? { "Content-Type": "application/json" } : {},
      timeoutMs,
    );
    return this.decode(method, path, res);
  }

  async systemInfo(): Promise<SystemInfo> {
    return (await this.json("GET", "/v1/system-info")).result as SystemInfo;
  }

  /** Adds a layer; `combine` merges it into an existing layer of the same label. */
  async addLayer(label: string, layer: Layer, combine = true): Promise<void> {
    await this.json("POST", "/v1/layers", {
      action: "add",
      combine,
      label,
      format: "yaml",
      layer: toYaml(layer),
    });
  }

  async getPlan(): Promise<Plan> {
    const text = (await this.json("GET", "/v1/plan?format=yaml")).result;
    const plan = typeof text === "string" ? (parseYaml(text) as unknown) : {};
    return isRecord(plan) ? (plan as Plan) : {};
  }

  async getServices(names: readonly string[] = []): Promise<ServiceInfo[]> {
    const query = names.length > 0 ? `?names=${encodeURIComponent(names.join(","))}` : "";
    return (await this.json("GET", `/v1/services${query}`)).result as ServiceInfo[];
  }

  private async serviceAction(
    action: string,
    services: readonly string[],
    timeoutMs: number,
  ): Promise<Change> {
    const envelope = await this.json("POST", "/v1/services", { action, services });
    return this.waitChange(envelope.change ?? "", timeoutMs);
  }

  /** Starts what should run and restarts what changed, then waits for the change. */
  replan(timeoutMs = 60_000): Promise<Change> {
    return this.serviceAction("replan", [], timeoutMs);
  }
  start(services: readonly string[], timeoutMs = 60_000): Promise<Change> {
    return this.serviceAction("start", services, timeoutMs);
  }
  stop(services: readonly string[], timeoutMs = 60_000): Promise<Change> {
    return this.serviceAction("stop", services, timeoutMs);
  }
  restart(services: readonly string[], timeoutMs = 60_000): Promise<Change> {
    return this.serviceAction("restart", services, timeoutMs);
  }

  /** Waits for a change to be ready; a change that ended in error throws PebbleChangeError. */
  async waitChange(changeId: string, timeoutMs = 60_000): Promise<Change> {
    if (!changeId)
      throw new PebbleAPIError(0, "", "async response without a change id", "POST", "/v1/services");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Math.max(1, Math.min(4_000, deadline - Date.now()));
      const path = `/v1/changes/${encodeURIComponent(changeId)}/wait?timeout=${left}ms`;
      try {
        // The server holds the request up to `left`; give the socket that long plus a margin.
        const change = (await this.json("GET", path, undefined, left + this.timeoutMs)).result as Change;
        if (change.ready) {
          if (change.err) throw new PebbleChangeError(changeId, change.err);
          return change;
        }
      } catch (err) {
        // 504 = Pebble's own wait timed out; loop until our deadline.
        if (!(err instanceof PebbleAPIError && err.statusCode === 504)) throw err;
      }
      if (Date.now() >= deadline)
        throw new PebbleTimeoutError(`Pebble change ${changeId} not ready after ${timeoutMs} ms`);
    }
  }

  async getChange(changeId: string): Promise<Change> {
    return (await this.json("GET", `/v1/changes/${encodeURIComponent(changeId)}`)).result as Change;
  }

  async getChecks(names: readonly string[] = []): Promise<CheckInfo[]> {
    const query = names.length > 0 ? `?names=${encodeURIComponent(names.join(","))}` : "";
    return (await this.json("GET", `/v1/checks${query}`)).result as CheckInfo[];
  }

  /** Writes one file (permissions as a number, e.g. 0o600; owner by id or name). */
  async push(path: string, content: string | Buffer, options: PushOptions = {}): Promise<void> {
    const item: Record<string, unknown> = {
      path,
      "make-dirs": options.makeDirs ?? true,
      permissions: (options.permissions ?? 0o644).toString(8).padStart(3, "0"),
    };
    if (options.userId !== undefined) item["user-id"] = options.userId;
    if (options.groupId !== undefined) item["group-id"] = options.groupId;
    if (options.user !== undefined) item.user = options.user;
    if (options.group !== undefined) item.group = options.group;
    const { boundary, body } = buildMultipart([
      {
        name: "request",
        contentType: "application/json",
        body: Buffer.from(JSON.stringify({ action: "write", files: [item] })),
      },
      {
        name: "files",
        filename: path,
        body: Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"),
      },
    ]);
    const res = await this.raw("POST", "/v1/files", body, {
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
    });
    throwFileErrors(this.decode("POST", "/v1/files", res).result);
  }

  /** Reads one file; a missing file throws PebblePathError with kind `not-found`. */
  async pull(path: string): Promise<Buffer> {
    const url = `/v1/files?action=read&path=${encodeURIComponent(path)}`;
    const res = await this.raw("GET", url, undefined, { Accept: "multipart/form-data" });
    const boundary = boundaryOf(res.contentType);
    if (!boundary) {
      this.decode("GET", url, res);
      throw new PebbleAPIError(res.status, "", "expected a multipart response", "GET", url);
    }
    const parts = parseMultipart(res.body, boundary);
    const response = parts.find((p) => p.name === "response");
    if (!response)
      throw new PebbleAPIError(res.status, "", "multipart response without metadata", "GET", url);
    throwFileErrors(this.decode("GET", url, { ...res, body: response.body }).result);
    const file = parts.find((p) => p.name === "files" && p.filename === path);
    if (!file) throw new PebblePathError("generic-file-error", path, "no content returned");
    return Buffer.from(file.body);
  }

  /** `undefined` when the file does not exist. */
  async pullIfExists(path: string): Promise<Buffer | undefined> {
    try {
      return await this.pull(path);
    } catch (err) {
      if (err instanceof PebblePathError && err.kind === "not-found") return undefined;
      throw err;
    }
  }

  async listFiles(path: string, itself = false): Promise<FileInfo[]> {
    const url = `/v1/files?action=list&path=${encodeURIComponent(path)}${itself ? "&itself=true" : ""}`;
    return (await this.json("GET", url)).result as FileInfo[];
  }

  async makeDir(path: string, options: PushOptions = {}): Promise<void> {
    const dir: Record<string, unknown> = {
      path,
      "make-parents": true,
      permissions: (options.permissions ?? 0o755).toString(8).padStart(3, "0"),
    };
    if (options.userId !== undefined) dir["user-id"] = options.userId;
    if (options.groupId !== undefined) dir["group-id"] = options.groupId;
    throwFileErrors((await this.json("POST", "/v1/files", { action: "make-dirs", dirs: [dir] })).result);
  }

  async removePath(path: string, recursive = false): Promise<void> {
    throwFileErrors(
      (await this.json("POST", "/v1/files", { action: "remove", paths: [{ path, recursive }] })).result,
    );
  }

  /** Runs a command in the container, collecting stdout/stderr; non-zero exit throws ExecError. */
  exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return runExec(
      {
        postExec: async (payload) => {
          const envelope = await this.json("POST", "/v1/exec", payload);
          const result = isRecord(envelope.result) ? envelope.result : {};
          return { changeId: envelope.change ?? "", taskId: String(result["task-id"] ?? "") };
        },
        socketPath: this.socketPath,
        waitChange: (id, ms) => this.waitChange(id, ms),
      },
      command,
      options,
    );
  }
}

function throwFileErrors(result: unknown): void {
  if (!Array.isArray(result)) return;
  for (const item of result) {
    if (isRecord(item) && isRecord(item.error)) {
      throw new PebblePathError(
        typeof item.error.kind === "string" ? item.error.kind : "generic-file-error",
        typeof item.path === "string" ? item.path : "",
        typeof item.error.message === "string" ? item.error.message : "file operation failed",
      );
    }
  }
}
