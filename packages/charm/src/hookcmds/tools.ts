import { type HookToolRunner, parseJson, runHookTool } from "./run.js";

/** Settable workload statuses (`unknown`/`error` are Juju's own). */
export type StatusName = "active" | "blocked" | "maintenance" | "waiting";
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
export type Databag = Record<string, string>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Relation and secret data are string maps on the wire; anything else is dropped. */
function toDatabag(value: unknown): Databag {
  const out: Databag = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

function toStringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Typed wrappers over the hook tools, one method per command, argv built as arrays with `--`
 * before free text. Reference: https://documentation.ubuntu.com/juju/3.6/reference/hook-command/
 */
export class HookTools {
  constructor(private readonly run: HookToolRunner = runHookTool) {}

  private async json(argv: string[]): Promise<unknown> {
    return parseJson(argv, await this.run(argv));
  }

  async configGet(): Promise<Record<string, unknown>> {
    const value = await this.json(["config-get", "--format=json"]);
    return isRecord(value) ? value : {};
  }

  async actionGet(): Promise<Record<string, unknown>> {
    const value = await this.json(["action-get", "--format=json"]);
    return isRecord(value) ? value : {};
  }

  /** Keys must match Juju's `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$`; nested maps are dotted. */
  async actionSet(results: Record<string, string>): Promise<void> {
    const pairs = Object.entries(results).map(([k, v]) => `${k}=${v}`);
    if (pairs.length > 0) await this.run(["action-set", ...pairs]);
  }

  async actionFail(message: string): Promise<void> {
    await this.run(["action-fail", "--", message]);
  }

  async actionLog(message: string): Promise<void> {
    await this.run(["action-log", "--", message]);
  }

  async statusSet(status: StatusName, message: string, application = false): Promise<void> {
    await this.run(["status-set", `--application=${application}`, status, "--", message]);
  }

  async isLeader(): Promise<boolean> {
    return (await this.json(["is-leader", "--format=json"])) === true;
  }

  async relationIds(endpoint: string): Promise<string[]> {
    return toStringList(await this.json(["relation-ids", endpoint, "--format=json"]));
  }

  async relationList(relationId: string): Promise<string[]> {
    return toStringList(await this.json(["relation-list", "--format=json", "-r", relationId]));
  }

  /** All keys of `target`'s databag (a unit name, or an app name with `app`). */
  async relationGet(relationId: string, target: string, app = false): Promise<Databag> {
    const argv = ["relation-get", "--format=json", "-r", relationId, ...(app ? ["--app"] : []), "-", target];
    return toDatabag(await this.json(argv));
  }

  /** Writes keys into our own unit (or, leader only, app) databag; `""` deletes a key. */
  async relationSet(relationId: string, data: Databag, app = false): Promise<void> {
    if (Object.keys(data).length === 0) return;
    await this.run(["relation-set", "-r", relationId, ...(app ? ["--app"] : []), "--file", "-"], {
      input: JSON.stringify(data),
    });
  }

  async secretGet(id: string, options: { refresh?: boolean } = {}): Promise<Databag> {
    const argv = ["secret-get", "--format=json", id, ...(options.refresh ? ["--refresh"] : [])];
    return toDatabag(await this.json(argv));
  }

  async secretAdd(
    content: Databag,
    options: { label?: string; owner?: "application" | "unit" } = {},
  ): Promise<string> {
    const argv = ["secret-add", "--owner", options.owner ?? "application"];
    if (options.label) argv.push("--label", options.label);
    for (const [k, v] of Object.entries(content)) argv.push(`${k}=${v}`);
    return (await this.run(argv)).trim();
  }

  async openPort(port: number, protocol: "tcp" | "udp" = "tcp"): Promise<void> {
    await this.run(["open-port", `${port}/${protocol}`]);
  }

  async applicationVersionSet(version: string): Promise<void> {
    await this.run(["application-version-set", "--", version]);
  }

  async jujuLog(level: LogLevel, message: string): Promise<void> {
    await this.run(["juju-log", "--log-level", level, "--", message]);
  }

  /** The unit's address on an endpoint's network (first ingress address). */
  async ingressAddress(endpoint: string, relationId?: string): Promise<string | undefined> {
    const argv = ["network-get", "--format=json", ...(relationId ? ["-r", relationId] : []), endpoint];
    const value = await this.json(argv);
    if (!isRecord(value)) return undefined;
    const list = value["ingress-addresses"];
    return Array.isArray(list) && typeof list[0] === "string" ? list[0] : undefined;
  }
}
