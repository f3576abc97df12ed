import { randomBytes } from "node:crypto";

/** Peer relation holding state shared by all units (paas-charm's `secret-storage`). */
export const ENDPOINT = "secret-storage";
export const SECRET_KEY = "app_secret_key";
/** The Django charm kept its key here; reused so tokens it issued keep working after a switch. */
export const LEGACY_SECRET_KEY = "django_secret_key";
/**
 * Marker of what this unit migrated, in its own peer unit databag: every unit migrates for
 * itself (docs/decisions/0310). Older versions kept it in the app databag; the leader removes it.
 */
export const MIGRATION_KEY = "migrated-fingerprint";

/** 64 random bytes, URL-safe (like Python's token_urlsafe(64)). */
export function generateSecretKey(): string {
  return randomBytes(64).toString("base64url");
}

/** The app databag changes the leader makes: a key when none exists, the old app-wide marker removed. */
export function secretKeyUpdate(appData: Record<string, string>): Record<string, string> {
  const update: Record<string, string> = appData[MIGRATION_KEY] ? { [MIGRATION_KEY]: "" } : {};
  if (appData[SECRET_KEY]) return update;
  const legacy = appData[LEGACY_SECRET_KEY];
  return { ...update, [SECRET_KEY]: legacy || generateSecretKey() };
}
