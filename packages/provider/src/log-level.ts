/**
 * The log levels `APP_LOG_LEVEL` accepts, case-insensitive, with "warning" meaning "warn". Its own
 * module so the charm bundles this one list instead of keeping a copy (docs/decisions/0311).
 */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level a value names, or undefined when the service would refuse it. Pure. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const level = value.trim().toLowerCase();
  if (level === "warning") return "warn";
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
}
