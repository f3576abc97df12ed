/**
 * How many days of audit events `APP_AUDIT_RETENTION_DAYS` may keep. Its own module so the charm
 * validates its `audit-retention-days` option with this rule instead of a copy (docs/decisions/0311).
 */
export const AUDIT_RETENTION_DAYS = { min: 1, max: 3650, default: 90 } as const;

/** Why a value cannot be a retention, for both the variable and the charm option. */
export const AUDIT_RETENTION_RULE = `must be a whole number of days from ${AUDIT_RETENTION_DAYS.min} to ${AUDIT_RETENTION_DAYS.max}`;

/** The number of days a value names, or undefined when the service would refuse it. Pure. */
export function parseAuditRetentionDays(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const days = Number(text);
  return days >= AUDIT_RETENTION_DAYS.min && days <= AUDIT_RETENTION_DAYS.max ? days : undefined;
}
