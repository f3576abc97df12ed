import http from "node:http";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import * as z from "zod/mini";
import {
  PebbleAPIError,
  PebbleChangeError,
  PebbleConnectionError,
  PebblePathError,
  PebbleProtocolError,
  PebbleTimeoutError,
  pebbleErrorKind,
} from "./errors.js";
import { type ExecOptions, type ExecResult, runExec } from "./exec.js";
import { boundaryOf, buildMultipart, parseMultipart } from "./multipart.js";
import {
  type Change,
  ChangeSchema,
  type CheckInfo,
  CheckInfoSchema,
  type Envelope,
  EnvelopeSchema,
  ErrorResultSchema,
  ExecStartedSchema,
  type FileInfo,
  FileInfoSchema,
  FileResultsSchema,
  type Layer,
  type Plan,
  PlanSchema,
  PlanTextSchema,
  type ServiceInfo,
  ServiceInfoSchema,
  type SystemInfo,
  SystemInfoSchema,
} from "./types.js";

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

/** A `sync` or `async` envelope, with where it came from for error messages. */
interface Reply extends Envelope {
  readonly statusCode: number;
  readonly method: string;
  readonly path: string;
}

/** Decodes a reply's `result` (or any part of it) with its schema; a mismatch is a protocol error. */
function decodeResult<S extends z.ZodMiniType>(schema: S, value: unknown, reply: Reply): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new PebbleProtocolError(
      reply.statusCode,
      `unexpected result${where}: ${issue?.message ?? "invalid"}`,
      reply.method,
      reply.path,
    );
  }
  return parsed.data;
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

  /** The one place a response envelope is decoded: `type: "error"` becomes PebbleAPIError. */
  private decode(method: string, path: string, res: RawResponse): Reply {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new PebbleProtocolError(res.status, "response is not JSON", method, path);
    }
    const envelope = EnvelopeSchema.safeParse(parsed);
    if (!envelope.success) {
      throw new PebbleProtocolError(res.status, "response is not a Pebble envelope", method, path);
    }
    const reply: Reply = { ...envelope.data, statusCode: res.status, method, path };
    if (reply.type === "error") {
      const result = ErrorResultSchema.safeParse(reply.result);
      const { kind, message } = result.success ? result.data : {};
      throw new PebbleAPIError(res.status, pebbleErrorKind(kind), message ?? "unknown error", method, path);
    }
    return reply;
  }

  private async json(
    method: string,
    path: string,
    payload?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<Reply> {
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
    const reply = await this.json("GET", "/v1/system-info");
    return decodeResult(SystemInfoSchema, reply.result, reply);
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
    const reply = await this.json("GET", "/v1/plan?format=yaml");
    const text = decodeResult(PlanTextSchema, reply.result, reply);
    // An empty plan is the YAML `{}` (or nothing at all).
    return decodeResult(PlanSchema, parseYaml(text) ?? {}, reply);
  }

  async getServices(names: readonly string[] = []): Promise<ServiceInfo[]> {
    const query = names.length > 0 ? `?names=${encodeURIComponent(names.join(","))}` : "";
    const reply = await this.json("GET", `/v1/services${query}`);
    return decodeResult(z.array(ServiceInfoSchema), reply.result, reply);
  }

  private async serviceAction(
    action: string,
    services: readonly string[],
    timeoutMs: number,
  ): Promise<Change> {
    const reply = await this.json("POST", "/v1/services", { action, services });
    if (!reply.change) {
      throw new PebbleProtocolError(
        reply.statusCode,
        "async response without a change id",
        "POST",
        "/v1/services",
      );
    }
    return this.waitChange(reply.change, timeoutMs);
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
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Math.max(1, Math.min(4_000, deadline - Date.now()));
      const path = `/v1/changes/${encodeURIComponent(changeId)}/wait?timeout=${left}ms`;
      try {
        // The server holds the request up to `left`; give the socket that long plus a margin.
        const reply = await this.json("GET", path, undefined, left + this.timeoutMs);
        const change = decodeResult(ChangeSchema, reply.result, reply);
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
    const reply = await this.json("GET", `/v1/changes/${encodeURIComponent(changeId)}`);
    return decodeResult(ChangeSchema, reply.result, reply);
  }

  async getChecks(names: readonly string[] = []): Promise<CheckInfo[]> {
    const query = names.length > 0 ? `?names=${encodeURIComponent(names.join(","))}` : "";
    const reply = await this.json("GET", `/v1/checks${query}`);
    return decodeResult(z.array(CheckInfoSchema), reply.result, reply);
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
    throwFileErrors(this.decode("POST", "/v1/files", res));
  }

  /** Reads one file; a missing file throws PebblePathError with kind `not-found`. */
  async pull(path: string): Promise<Buffer> {
    const url = `/v1/files?action=read&path=${encodeURIComponent(path)}`;
    const res = await this.raw("GET", url, undefined, { Accept: "multipart/form-data" });
    const boundary = boundaryOf(res.contentType);
    if (!boundary) {
      this.decode("GET", url, res);
      throw new PebbleProtocolError(res.status, "expected a multipart response", "GET", url);
    }
    const parts = parseMultipart(res.body, boundary);
    const response = parts.find((p) => p.name === "response");
    if (!response)
      throw new PebbleProtocolError(res.status, "multipart response without metadata", "GET", url);
    throwFileErrors(this.decode("GET", url, { ...res, body: response.body }));
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
    const reply = await this.json("GET", url);
    return decodeResult(z.array(FileInfoSchema), reply.result, reply);
  }

  async makeDir(path: string, options: PushOptions = {}): Promise<void> {
    const dir: Record<string, unknown> = {
      path,
      "make-parents": true,
      permissions: (options.permissions ?? 0o755).toString(8).padStart(3, "0"),
    };
    if (options.userId !== undefined) dir["user-id"] = options.userId;
    if (options.groupId !== undefined) dir["group-id"] = options.groupId;
    throwFileErrors(await this.json("POST", "/v1/files", { action: "make-dirs", dirs: [dir] }));
  }

  async removePath(path: string, recursive = false): Promise<void> {
    throwFileErrors(await this.json("POST", "/v1/files", { action: "remove", paths: [{ path, recursive }] }));
  }

  /** Runs a command in the container, collecting stdout/stderr; non-zero exit throws ExecError. */
  exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return runExec(
      {
        postExec: async (payload) => {
          const reply = await this.json("POST", "/v1/exec", payload);
          const started = decodeResult(ExecStartedSchema, reply.result, reply);
          if (!reply.change) {
            throw new PebbleProtocolError(
              reply.statusCode,
              "async response without a change id",
              "POST",
              "/v1/exec",
            );
          }
          return { changeId: reply.change, taskId: started["task-id"] };
        },
        socketPath: this.socketPath,
        waitChange: (id, ms) => this.waitChange(id, ms),
      },
      command,
      options,
    );
  }
}

/** The first per-path error of a file action's result, as PebblePathError. */
function throwFileErrors(reply: Reply): void {
  for (const item of decodeResult(FileResultsSchema, reply.result, reply)) {
    if (item.error) {
      const kind = pebbleErrorKind(item.error.kind);
      throw new PebblePathError(
        kind === "not-found" || kind === "permission-denied" ? kind : "generic-file-error",
        item.path ?? "",
        item.error.message ?? "file operation failed",
      );
    }
  }
}
