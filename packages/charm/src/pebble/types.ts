import * as z from "zod/mini";

/**
 * Pebble API shapes (https://documentation.ubuntu.com/pebble/reference/api/), only the fields we
 * read. Each reply is decoded with its schema (unknown fields dropped); the types are inferred.
 */

export const SystemInfoSchema = z.object({
  "boot-id": z.string(),
  version: z.string(),
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

export const ServiceInfoSchema = z.object({
  name: z.string(),
  startup: z.enum(["enabled", "disabled"]),
  current: z.enum(["active", "inactive", "backoff", "error"]),
});
export type ServiceInfo = z.infer<typeof ServiceInfoSchema>;

export const CheckInfoSchema = z.object({
  name: z.string(),
  level: z.optional(z.string()),
  status: z.enum(["up", "down", "inactive"]),
  failures: z.number(),
  threshold: z.number(),
  /** The change running the check: "perform-check" while up, "recover-check" while down. */
  "change-id": z.optional(z.string()),
  /** The change before it (for a recover-check, the perform-check that hit the threshold). */
  "prev-change-id": z.optional(z.string()),
});
export type CheckInfo = z.infer<typeof CheckInfoSchema>;

export const ChangeTaskSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  /** The task's last log lines, "<RFC 3339 time> <INFO|ERROR> <message>". */
  log: z.optional(z.array(z.string())),
  data: z.optional(z.record(z.string(), z.unknown())),
});
export type ChangeTask = z.infer<typeof ChangeTaskSchema>;

export const ChangeSchema = z.object({
  id: z.string(),
  kind: z.string(),
  summary: z.string(),
  status: z.string(),
  ready: z.boolean(),
  err: z.optional(z.string()),
  tasks: z.optional(z.array(ChangeTaskSchema)),
});
export type Change = z.infer<typeof ChangeSchema>;

export const FileInfoSchema = z.object({
  path: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.optional(z.number()),
  permissions: z.string(),
  // Pebble sends null when the owner is unknown.
  "user-id": z.nullish(z.number()),
  "group-id": z.nullish(z.number()),
});
export type FileInfo = z.infer<typeof FileInfoSchema>;

/** Plan/layer model as YAML (services, checks, log-targets): what we write and read back. */
const override = z.enum(["merge", "replace"]);

export const ServiceSpecSchema = z.object({
  override,
  summary: z.optional(z.string()),
  command: z.optional(z.string()),
  startup: z.optional(z.enum(["enabled", "disabled"])),
  environment: z.optional(z.record(z.string(), z.string())),
  user: z.optional(z.string()),
  "user-id": z.optional(z.number()),
  group: z.optional(z.string()),
  "group-id": z.optional(z.number()),
  "working-dir": z.optional(z.string()),
  "on-check-failure": z.optional(z.record(z.string(), z.enum(["restart", "shutdown", "ignore"]))),
});
export type ServiceSpec = z.infer<typeof ServiceSpecSchema>;

export const CheckSpecSchema = z.object({
  override,
  level: z.optional(z.enum(["alive", "ready"])),
  period: z.optional(z.string()),
  timeout: z.optional(z.string()),
  threshold: z.optional(z.number()),
  http: z.optional(z.object({ url: z.string() })),
});
export type CheckSpec = z.infer<typeof CheckSpecSchema>;

export const LogTargetSpecSchema = z.object({
  override,
  type: z.enum(["loki", "opentelemetry"]),
  location: z.string(),
  services: z.array(z.string()),
  labels: z.optional(z.record(z.string(), z.string())),
});
export type LogTargetSpec = z.infer<typeof LogTargetSpecSchema>;

export const PlanSchema = z.object({
  services: z.optional(z.record(z.string(), ServiceSpecSchema)),
  checks: z.optional(z.record(z.string(), CheckSpecSchema)),
  "log-targets": z.optional(z.record(z.string(), LogTargetSpecSchema)),
});
export type Plan = z.infer<typeof PlanSchema>;

/** `GET /v1/plan?format=yaml` answers with the plan's YAML text as its result. */
export const PlanTextSchema = z.string();

export interface Layer extends Plan {
  summary?: string;
  description?: string;
}

/** The reply envelope every endpoint answers with (`status-code` is not read). */
export const EnvelopeSchema = z.object({
  type: z.enum(["sync", "async", "error"]),
  result: z.unknown(),
  change: z.optional(z.string()),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** `result` of `type: "error"`: `kind` is absent for most errors. */
export const ErrorResultSchema = z.object({
  message: z.optional(z.string()),
  kind: z.optional(z.string()),
});

/** `result` of the file actions: one item per path, `error` on the paths that failed. */
export const FileResultsSchema = z.array(
  z.object({
    path: z.optional(z.string()),
    error: z.optional(z.object({ kind: z.optional(z.string()), message: z.optional(z.string()) })),
  }),
);

export const ExecStartedSchema = z.object({ "task-id": z.string() });
