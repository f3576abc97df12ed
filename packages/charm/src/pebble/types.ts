/** Pebble API shapes (https://documentation.ubuntu.com/pebble/reference/api/), only fields we read. */
export interface SystemInfo {
  "boot-id": string;
  version: string;
}

export interface ServiceInfo {
  name: string;
  startup: "enabled" | "disabled";
  current: "active" | "inactive" | "backoff" | "error";
}

export interface CheckInfo {
  name: string;
  level?: string;
  status: "up" | "down" | "inactive";
  failures: number;
  threshold: number;
  /** The change running the check: "perform-check" while up, "recover-check" while down. */
  "change-id"?: string;
  /** The change before it (for a recover-check, the perform-check that hit the threshold). */
  "prev-change-id"?: string;
}

export interface ChangeTask {
  id: string;
  kind: string;
  status: string;
  /** The task's last log lines, "<RFC 3339 time> <INFO|ERROR> <message>". */
  log?: string[];
  data?: Record<string, unknown>;
}

export interface Change {
  id: string;
  kind: string;
  summary: string;
  status: string;
  ready: boolean;
  err?: string;
  tasks?: ChangeTask[];
}

export interface FileInfo {
  path: string;
  name: string;
  type: string;
  size?: number;
  permissions: string;
  "user-id"?: number;
  "group-id"?: number;
}

/** Plan/layer model as YAML (services, checks, log-targets). */
export interface ServiceSpec {
  override: "merge" | "replace";
  summary?: string;
  command?: string;
  startup?: "enabled" | "disabled";
  environment?: Record<string, string>;
  user?: string;
  "user-id"?: number;
  group?: string;
  "group-id"?: number;
  "working-dir"?: string;
  "on-check-failure"?: Record<string, "restart" | "shutdown" | "ignore">;
}

export interface CheckSpec {
  override: "merge" | "replace";
  level?: "alive" | "ready";
  period?: string;
  timeout?: string;
  threshold?: number;
  http?: { url: string };
}

export interface LogTargetSpec {
  override: "merge" | "replace";
  type: "loki" | "opentelemetry";
  location: string;
  services: string[];
  labels?: Record<string, string>;
}

export interface Layer {
  summary?: string;
  description?: string;
  services?: Record<string, ServiceSpec>;
  checks?: Record<string, CheckSpec>;
  "log-targets"?: Record<string, LogTargetSpec>;
}

export type Plan = Omit<Layer, "summary" | "description">;
