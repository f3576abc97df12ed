// Test double of Pebble's REST API on a real unix socket, implementing the endpoints the charm
// uses with the shapes of canonical/pebble internals/daemon (api_*.go) and client/*.go:
// system-info, layers (add/combine), plan (YAML), services (replan/start/stop/restart as
// changes), changes/wait, checks, files (multipart read/write, list, make-dirs, remove) and exec
// with its control/stdio/stderr websockets. Where it had to guess it says so next to the code.
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { boundaryOf, buildMultipart, parseMultipart } from "../../src/pebble/multipart.js";

type Section = Record<string, Record<string, unknown>>;
interface PlanShape {
  services?: Section;
  checks?: Section;
  "log-targets"?: Section;
}

export interface ExecRequest {
  command: string[];
  environment: Record<string, string>;
  workingDir?: string;
  userId?: number;
  groupId?: number;
  user?: string;
  timeout?: string;
  stdin: string;
}

export interface ExecReply {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export type ExecHandler = (req: ExecRequest) => ExecReply | Promise<ExecReply>;

/**
 * Runs services as real processes (test/doubles/rootfs-workload.ts). Without one the double only
 * tracks their state, as nothing runs.
 */
export interface ServiceRunner {
  /** Starts the service; resolves to an error message when it does not stay up (Pebble's "exited quickly"). */
  start(name: string, spec: Record<string, unknown>): Promise<string | undefined>;
  /** Stops it as Pebble does: SIGTERM, then SIGKILL after the kill delay. */
  stop(name: string): Promise<void>;
}

interface ServiceState {
  current: "active" | "inactive" | "error";
  /** The service spec it was last started with, to decide what replan restarts. */
  startedWith?: string;
  starts: number;
}

interface Change {
  id: string;
  kind: string;
  summary: string;
  status: string;
  ready: boolean;
  err?: string;
  tasks: {
    id: string;
    kind: string;
    summary: string;
    status: string;
    log?: string[];
    data?: Record<string, unknown>;
  }[];
}

interface FileMeta {
  permissions: number;
  userId?: number;
  groupId?: number;
}

const SECTIONS = ["services", "checks", "log-targets"] as const;

/** Go durations as the client sends them ("4000ms", "30s"). */
function parseGoDurationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!match) return 30_000;
  const n = Number(match[1]);
  return match[2] === "ms" ? n : match[2] === "s" ? n * 1000 : n * 60_000;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Pebble's override semantics: replace swaps the entry; merge merges maps, appends lists, overwrites scalars. */
function combine(base: PlanShape, layer: PlanShape): PlanShape {
  const out: PlanShape = structuredClone(base);
  for (const section of SECTIONS) {
    for (const [name, spec] of Object.entries(layer[section] ?? {})) {
      const target = out[section] ?? {};
      out[section] = target;
      const existing = target[name];
      if (spec.override === "replace" || !existing) {
        target[name] = structuredClone(spec);
        continue;
      }
      const merged: Record<string, unknown> = { ...existing };
      for (const [k, v] of Object.entries(spec)) {
        const old = merged[k];
        if (isRecord(v) && isRecord(old)) merged[k] = { ...old, ...v };
        else if (Array.isArray(v) && Array.isArray(old)) merged[k] = [...old, ...v];
        else merged[k] = v;
      }
      target[name] = merged;
    }
  }
  return out;
}

export class FakePebble {
  readonly layers: { label: string; layer: PlanShape }[] = [];
  readonly services = new Map<string, ServiceState>();
  readonly execs: ExecRequest[] = [];
  readonly requests: string[] = [];
  readonly fileMeta = new Map<string, FileMeta>();
  /**
   * Checks that are down, with the error their checker returned (for an http check Pebble's
   * "non-2xx status code 503; <first lines of the body>"). Pebble runs a check in a
   * "perform-check" change until `threshold` failures in a row, logs the error that ended it,
   * and goes on in a "recover-check" change (docs/reference/health-checks.md, checkstate).
   */
  readonly failingChecks = new Map<string, string>();
  /** The changes driving each check, kept while its state stays the same (ids are stable). */
  private readonly checkChanges = new Map<
    string,
    { failing: string | undefined; info: Record<string, unknown> }
  >();
  /** Services whose start fails (as a process that exits at once would). */
  readonly failingServices = new Set<string>();
  /** Absolute paths exec cannot find (an image without them): Pebble answers 400, as for PATH misses. */
  readonly missingExecutables = new Set<string>();
  private readonly changes = new Map<string, Change>();
  private readonly pendingExec = new Map<
    string,
    { req: ExecRequest; change: Change; sockets: Map<string, WebSocket>; stdin: Buffer[]; started: boolean }
  >();
  private server: http.Server | undefined;
  private wss = new WebSocketServer({ noServer: true });
  private nextId = 1;
  layerAdds = 0;
  /** How long service changes take to become ready (0: at once). */
  serviceChangeDelayMs = 0;

  constructor(
    readonly socketPath: string,
    readonly root: string,
    private readonly execHandler: ExecHandler,
    private readonly runner?: ServiceRunner,
  ) {}

  plan(): PlanShape {
    return this.layers.reduce<PlanShape>((acc, l) => combine(acc, l.layer), {});
  }

  /**
   * A new container from the same image: Pebble starts again with --hold (only the image's layers,
   * nothing running) and the container's writable files are gone except the image's own `keep`.
   */
  restartContainer(keep: readonly string[]): void {
    this.layers.splice(0, this.layers.length, ...this.layers.filter((l) => /^\d{3}-/.test(l.label)));
    this.services.clear();
    this.fileMeta.clear();
    for (const entry of readdirSync(this.root)) {
      if (!keep.includes(`/${entry}`)) rmSync(join(this.root, entry), { recursive: true, force: true });
    }
  }

  /** Drops the changes that are ready, as Pebble's state pruning does with old ones. */
  pruneReadyChanges(): void {
    for (const [id, change] of this.changes) if (change.ready) this.changes.delete(id);
  }

  /** Adds a layer the way Pebble loads the image's baked layers at start (PEBBLE_COPY_ONCE). */
  seedLayer(label: string, yaml: string): void {
    this.layers.push({ label, layer: parseYaml(yaml) as PlanShape });
  }

  hostPath(path: string): string {
    return join(this.root, path);
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.socketPath), { recursive: true });
    rmSync(this.socketPath, { force: true });
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.handle(req, Buffer.concat(chunks))
          .then(({ status, body, contentType }) => {
            res.writeHead(status, { "Content-Type": contentType ?? "application/json" });
            res.end(body);
          })
          .catch((err: unknown) => {
            res.writeHead(500, { "Content-Type": "application/json" });
            res.end(JSON.stringify(this.error(500, String(err))));
          });
      });
    });
    this.server.on("upgrade", (req, socket, head) => {
      const match = /^\/v1\/tasks\/([^/]+)\/websocket\/(control|stdio|stderr)$/.exec(req.url ?? "");
      const exec = match ? this.pendingExec.get(match[1] ?? "") : undefined;
      if (!match || !exec) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(exec, match[2] ?? "", ws));
    });
    await new Promise<void>((resolve) => this.server?.listen(this.socketPath, resolve));
  }

  async stop(): Promise<void> {
    // The container goes away with its processes.
    for (const [name, state] of this.services) {
      if (state.current === "active") await this.runner?.stop(name);
    }
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.server = undefined;
    rmSync(this.socketPath, { force: true });
  }

  private sync(result: unknown, status = 200): { status: number; body: string } {
    return { status, body: JSON.stringify({ type: "sync", "status-code": status, status: "OK", result }) };
  }

  private error(status: number, message: string, kind?: string): Record<string, unknown> {
    return {
      type: "error",
      "status-code": status,
      status: "Error",
      result: { message, ...(kind ? { kind } : {}) },
    };
  }

  private fail(status: number, message: string, kind?: string): { status: number; body: string } {
    return { status, body: JSON.stringify(this.error(status, message, kind)) };
  }

  private async(change: Change, result: unknown = null): { status: number; body: string } {
    this.changes.set(change.id, change);
    return {
      status: 202,
      body: JSON.stringify({
        type: "async",
        "status-code": 202,
        status: "Accepted",
        change: change.id,
        result,
      }),
    };
  }

  private newChange(kind: string, summary: string, err?: string, data?: Record<string, unknown>): Change {
    const id = String(this.nextId++);
    return {
      id,
      kind,
      summary,
      status: err ? "Error" : "Done",
      ready: true,
      ...(err ? { err } : {}),
      tasks: [{ id: `${id}0`, kind, summary, status: err ? "Error" : "Done", ...(data ? { data } : {}) }],
    };
  }

  private async handle(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; body: string | Buffer; contentType?: string }> {
    const url = new URL(req.url ?? "/", "http://localhost");
    this.requests.push(`${req.method} ${url.pathname}`);
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /v1/system-info") return this.sync({ "boot-id": "fake-boot", version: "1.19.0-fake" });
    if (route === "GET /v1/plan") {
      if (url.searchParams.get("format") !== "yaml") return this.fail(400, 'invalid format: must be "yaml"');
      return this.sync(toYaml(this.plan()));
    }
    if (route === "POST /v1/layers")
      return this.addLayer(JSON.parse(body.toString()) as Record<string, unknown>);
    if (route === "GET /v1/services") {
      const names = url.searchParams.get("names")?.split(",").filter(Boolean);
      const plan = this.plan();
      const list = Object.entries(plan.services ?? {})
        .filter(([name]) => !names || names.includes(name))
        .map(([name, spec]) => ({
          name,
          startup: spec.startup === "enabled" ? "enabled" : "disabled",
          current: this.services.get(name)?.current ?? "inactive",
        }));
      return this.sync(list);
    }
    if (route === "POST /v1/services")
      return await this.serviceAction(JSON.parse(body.toString()) as Record<string, unknown>);
    const wait = /^\/v1\/changes\/([^/]+)(\/wait)?$/.exec(url.pathname);
    if (req.method === "GET" && wait) {
      const change = this.changes.get(wait[1] ?? "");
      if (!change) return this.fail(404, `cannot find change with id "${wait[1]}"`, "not-found");
      if (wait[2]) {
        // Blocks until the change is ready or the requested timeout passes (then 504, as Pebble).
        const limit = Date.now() + parseGoDurationMs(url.searchParams.get("timeout") ?? "30s");
        while (!change.ready && Date.now() < limit) await new Promise((r) => setTimeout(r, 10));
      }
      if (!change.ready) return this.fail(504, "timed out waiting for change");
      return this.sync(change);
    }
    if (route === "GET /v1/checks") {
      const level = url.searchParams.get("level");
      const names = url.searchParams
        .getAll("names")
        .flatMap((n) => n.split(","))
        .filter(Boolean);
      const checks = Object.entries(this.plan().checks ?? {})
        .filter(
          ([name, spec]) => (!level || spec.level === level) && (names.length === 0 || names.includes(name)),
        )
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, spec]) => this.checkInfo(name, spec));
      return this.sync(checks);
    }
    if (route === "GET /v1/files") return this.getFiles(url, req.headers.accept);
    if (route === "POST /v1/files") return this.postFiles(req.headers["content-type"], body);
    if (route === "POST /v1/exec")
      return this.startExec(JSON.parse(body.toString()) as Record<string, unknown>);
    return this.fail(404, `not found: ${route}`, "not-found");
  }

  /** A check's info as GET /v1/checks gives it; a failing one is down with a recover-check change. */
  private checkInfo(name: string, spec: Record<string, unknown>): Record<string, unknown> {
    const threshold = typeof spec.threshold === "number" ? spec.threshold : 3;
    const url = (spec.http as { url?: string } | undefined)?.url ?? "";
    const serviceDown = this.services.get("httprequest-lego-provider")?.current !== "active";
    const failing =
      this.failingChecks.get(name) ??
      (serviceDown ? `Get "${url}": dial tcp 127.0.0.1:8080: connect: connection refused` : undefined);
    const known = this.checkChanges.get(name);
    if (known && known.failing === failing) return known.info;
    const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const perform = this.newChange("perform-check", `Perform HTTP check "${name}"`, failing);
    const base = { name, ...(spec.level ? { level: spec.level } : {}), startup: "enabled", threshold };
    let info: Record<string, unknown>;
    if (!failing) {
      this.changes.set(perform.id, perform);
      info = { ...base, status: "up", successes: 1, failures: 0, "change-id": perform.id };
    } else {
      // The error that hit the threshold ends the perform-check (and is logged there); the
      // recover-check that follows has logged nothing before its first period.
      const task = perform.tasks[0];
      if (task) task.log = [`${time} ERROR ${failing}`];
      const recover = this.newChange("recover-check", `Recover HTTP check "${name}"`);
      recover.status = "Doing";
      recover.ready = false;
      const recoverTask = recover.tasks[0];
      if (recoverTask) recoverTask.status = "Doing";
      this.changes.set(perform.id, perform);
      this.changes.set(recover.id, recover);
      info = {
        ...base,
        status: "down",
        successes: 0,
        failures: threshold,
        "change-id": recover.id,
        "prev-change-id": perform.id,
      };
    }
    this.checkChanges.set(name, { failing, info });
    return info;
  }

  private addLayer(payload: Record<string, unknown>): { status: number; body: string } {
    if (payload.action !== "add") return this.fail(400, `invalid action "${String(payload.action)}"`);
    const label = String(payload.label ?? "");
    if (!/^[a-z0-9-]+$/.test(label) || label.startsWith("pebble-"))
      return this.fail(400, `invalid layer label "${label}"`);
    let layer: PlanShape;
    try {
      layer = (parseYaml(String(payload.layer ?? "")) ?? {}) as PlanShape;
    } catch (err) {
      return this.fail(400, `cannot parse layer YAML: ${String(err)}`);
    }
    for (const section of SECTIONS) {
      for (const [name, spec] of Object.entries(layer[section] ?? {})) {
        if (spec.override !== "merge" && spec.override !== "replace") {
          const kind = section === "services" ? "service" : section === "checks" ? "check" : "log target";
          return this.fail(400, `layer "${label}" must define "override" for ${kind} "${name}"`);
        }
      }
    }
    const existing = this.layers.find((l) => l.label === label);
    if (existing && !payload.combine) return this.fail(400, `layer "${label}" already exists`);
    if (existing) existing.layer = combine(existing.layer, layer);
    else this.layers.push({ label, layer });
    this.layerAdds++;
    return this.sync(true);
  }

  private async startService(name: string, spec: Record<string, unknown>): Promise<string | undefined> {
    if (!spec.command) return `service "${name}" has no command`;
    const state = this.services.get(name) ?? { current: "inactive", starts: 0 };
    // Restart and a replan of a changed service stop the running process first.
    if (state.current === "active") await this.runner?.stop(name);
    const failed = this.failingServices.has(name)
      ? `cannot start service "${name}": exited quickly with code 1`
      : await this.runner?.start(name, spec);
    if (failed) {
      state.current = "error";
      this.services.set(name, state);
      return failed;
    }
    state.current = "active";
    state.startedWith = JSON.stringify(spec);
    state.starts++;
    this.services.set(name, state);
    return undefined;
  }

  private async serviceAction(payload: Record<string, unknown>): Promise<{ status: number; body: string }> {
    const action = String(payload.action);
    const names = Array.isArray(payload.services) ? payload.services.map(String) : [];
    const plan = this.plan().services ?? {};
    const errors: string[] = [];
    if (action === "replan") {
      // Restart what changed since it was started, start enabled services that are not running.
      for (const [name, spec] of Object.entries(plan)) {
        const state = this.services.get(name);
        const changed = state?.current === "active" && state.startedWith !== JSON.stringify(spec);
        if ((spec.startup === "enabled" && state?.current !== "active") || changed) {
          const err = await this.startService(name, spec);
          if (err) errors.push(err);
        }
      }
    } else if (action === "start" || action === "restart") {
      for (const name of names) {
        const spec = plan[name];
        if (!spec) return this.fail(400, `service "${name}" does not exist`);
        const err = await this.startService(name, spec);
        if (err) errors.push(err);
      }
    } else if (action === "stop") {
      for (const name of names) {
        const state = this.services.get(name);
        if (state?.current === "active") await this.runner?.stop(name);
        if (state) state.current = "inactive";
      }
    } else return this.fail(400, `action "${action}" is unsupported`);
    const change = this.newChange(
      action,
      `${action} services`,
      errors.length ? errors.join("; ") : undefined,
    );
    if (this.serviceChangeDelayMs > 0) {
      change.ready = false;
      setTimeout(() => {
        change.ready = true;
      }, this.serviceChangeDelayMs);
    }
    return this.async(change);
  }

  private getFiles(
    url: URL,
    accept: string | undefined,
  ): { status: number; body: string | Buffer; contentType?: string } {
    const action = url.searchParams.get("action");
    const path = url.searchParams.get("path") ?? "";
    if (action === "list") {
      const host = this.hostPath(path);
      if (!existsSync(host)) return this.fail(404, `stat ${path}: no such file or directory`, "not-found");
      const names =
        url.searchParams.get("itself") === "true" || !statSync(host).isDirectory() ? [""] : readdirSync(host);
      return this.sync(
        names.map((n) => {
          const p = n ? join(path, n) : path;
          const st = statSync(this.hostPath(p));
          const meta = this.fileMeta.get(p);
          return {
            path: p,
            name: n || p.split("/").pop(),
            type: st.isDirectory() ? "directory" : "file",
            size: st.size,
            permissions: (st.mode & 0o777).toString(8).padStart(3, "0"),
            "user-id": meta?.userId ?? st.uid,
            "group-id": meta?.groupId ?? st.gid,
          };
        }),
      );
    }
    if (action !== "read") return this.fail(400, `invalid action "${action}"`);
    if (accept !== "multipart/form-data") return this.fail(400, "must accept multipart/form-data");
    const host = this.hostPath(path);
    const parts = [];
    let error: Record<string, string> | undefined;
    if (existsSync(host) && statSync(host).isFile()) {
      parts.push({ name: "files", filename: path, body: readFileSync(host) });
    } else {
      error = existsSync(host)
        ? { kind: "generic-file-error", message: `read ${path}: is a directory` }
        : { kind: "not-found", message: `stat ${path}: no such file or directory` };
    }
    const response = {
      type: "sync",
      "status-code": 200,
      status: "OK",
      result: [{ path, ...(error ? { error } : {}) }],
    };
    parts.push({
      name: "response",
      contentType: "application/json",
      body: Buffer.from(JSON.stringify(response)),
    });
    const { boundary, body } = buildMultipart(parts);
    return { status: 200, body, contentType: `multipart/form-data; boundary=${boundary}` };
  }

  private setOwner(path: string, permissions: number, userId?: number, groupId?: number): void {
    const host = this.hostPath(path);
    chmodSync(host, permissions);
    this.fileMeta.set(path, {
      permissions,
      ...(userId !== undefined ? { userId } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
    });
    if (userId !== undefined && process.getuid?.() === 0) chownSync(host, userId, groupId ?? userId);
  }

  private postFiles(contentType: string | undefined, body: Buffer): { status: number; body: string } {
    if (contentType?.startsWith("application/json")) {
      const payload = JSON.parse(body.toString()) as Record<string, unknown>;
      if (payload.action === "make-dirs") {
        const dirs = (payload.dirs ?? []) as Record<string, unknown>[];
        return this.sync(
          dirs.map((d) => {
            const path = String(d.path);
            mkdirSync(this.hostPath(path), { recursive: Boolean(d["make-parents"]) });
            this.setOwner(
              path,
              Number.parseInt(String(d.permissions ?? "755"), 8),
              d["user-id"] as number,
              d["group-id"] as number,
            );
            return { path };
          }),
        );
      }
      if (payload.action === "remove") {
        const paths = (payload.paths ?? []) as Record<string, unknown>[];
        return this.sync(
          paths.map((p) => {
            const path = String(p.path);
            if (!existsSync(this.hostPath(path))) {
              return {
                path,
                error: { kind: "not-found", message: `remove ${path}: no such file or directory` },
              };
            }
            rmSync(this.hostPath(path), { recursive: Boolean(p.recursive) });
            return { path };
          }),
        );
      }
      return this.fail(400, `invalid action "${String(payload.action)}"`);
    }
    const boundary = boundaryOf(contentType);
    if (!contentType?.startsWith("multipart/form-data") || !boundary)
      return this.fail(400, `invalid Content-Type "${contentType}"`);
    const parts = parseMultipart(body, boundary);
    const [meta, ...files] = parts;
    if (meta?.name !== "request")
      return this.fail(400, `metadata field name must be "request", got "${meta?.name}"`);
    const payload = JSON.parse(meta.body.toString()) as { action: string; files: Record<string, unknown>[] };
    if (payload.action !== "write")
      return this.fail(400, `multipart action must be "write", got "${payload.action}"`);
    const result = payload.files.map((item) => {
      const path = String(item.path);
      const part = files.find((f) => f.name === "files" && f.filename === path);
      if (!part)
        return { path, error: { kind: "generic-file-error", message: `no file content for path "${path}"` } };
      const host = this.hostPath(path);
      if (!existsSync(dirname(host))) {
        if (!item["make-dirs"])
          return { path, error: { kind: "not-found", message: `open ${path}: no such file or directory` } };
        mkdirSync(dirname(host), { recursive: true });
      }
      writeFileSync(host, part.body);
      this.setOwner(
        path,
        Number.parseInt(String(item.permissions ?? "644"), 8),
        item["user-id"] as number,
        item["group-id"] as number,
      );
      return { path };
    });
    return this.sync(result);
  }

  private startExec(payload: Record<string, unknown>): { status: number; body: string } {
    const command = (payload.command ?? []) as string[];
    if (command.length === 0) return this.fail(400, "must specify command");
    // Pebble looks the executable up before starting; the double treats absolute paths as present.
    if (
      (!command[0]?.startsWith("/") && command[0] !== "ssh-keyscan") ||
      this.missingExecutables.has(command[0] ?? "")
    ) {
      return this.fail(400, `cannot find executable "${command[0]}"`);
    }
    const req: ExecRequest = {
      command,
      environment: (payload.environment ?? {}) as Record<string, string>,
      ...(payload["working-dir"] ? { workingDir: String(payload["working-dir"]) } : {}),
      ...(payload["user-id"] !== undefined ? { userId: Number(payload["user-id"]) } : {}),
      ...(payload["group-id"] !== undefined ? { groupId: Number(payload["group-id"]) } : {}),
      ...(payload.user ? { user: String(payload.user) } : {}),
      ...(payload.timeout ? { timeout: String(payload.timeout) } : {}),
      stdin: "",
    };
    const taskId = randomUUID();
    const change: Change = {
      ...this.newChange("exec", `Execute command "${command[0]}"`),
      status: "Doing",
      ready: false,
    };
    this.pendingExec.set(taskId, { req, change, sockets: new Map(), stdin: [], started: false });
    return this.async(change, { "task-id": taskId, environment: req.environment });
  }

  private attach(
    exec: {
      req: ExecRequest;
      change: Change;
      sockets: Map<string, WebSocket>;
      stdin: Buffer[];
      started: boolean;
    },
    name: string,
    ws: WebSocket,
  ): void {
    exec.sockets.set(name, ws);
    if (name === "stdio") {
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) exec.stdin.push(Buffer.from(data));
        else if (data.toString().includes('"end"')) void this.runExec(exec);
      });
    }
  }

  private async runExec(exec: {
    req: ExecRequest;
    change: Change;
    sockets: Map<string, WebSocket>;
    stdin: Buffer[];
    started: boolean;
  }): Promise<void> {
    if (exec.started) return;
    exec.started = true;
    exec.req.stdin = Buffer.concat(exec.stdin).toString();
    this.execs.push(exec.req);
    let reply: ExecReply;
    try {
      reply = await this.execHandler(exec.req);
    } catch (err) {
      reply = { stderr: String(err), exitCode: 127 };
    }
    const stdio = exec.sockets.get("stdio");
    const stderr = exec.sockets.get("stderr");
    if (reply.stdout) stdio?.send(Buffer.from(reply.stdout), { binary: true });
    if (reply.stderr) stderr?.send(Buffer.from(reply.stderr), { binary: true });
    stdio?.send(JSON.stringify({ command: "end" }));
    stderr?.send(JSON.stringify({ command: "end" }));
    // Non-zero exit is not a change error in Pebble: the code goes into the task data.
    exec.change.status = "Done";
    exec.change.ready = true;
    const task = exec.change.tasks[0];
    if (task) {
      task.status = "Done";
      task.data = { "exit-code": reply.exitCode ?? 0 };
    }
  }
}
