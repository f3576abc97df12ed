import { randomBytes } from "node:crypto";

/** Peer relation holding state shared by all units (paas-charm's `secret-storage`). */
export const ENDPOINT = "secret-storage";
export const SECRET_KEY = "app_secret_key";
/** The Django charm kept its key here; reused so tokens it issued keep working after a switch. */
export const LEGACY_SECRET_KEY = "django_secret_key";
export const MIGRATION_KEY = "migrated-fingerprint";

/** 64 random bytes, URL-safe (like Python's token_urlsafe(64)). */
export function generateSecretKey(): string {
  return randomBytes(64).toString("base64url");
}

/** The app databag keys the leader should add: none once a key exists. */
export function secretKeyUpdate(appData: Record<string, string>): Record<string, string> {
  if (appData[SECRET_KEY]) return {};
  const legacy = appData[LEGACY_SECRET_KEY];
  return { [SECRET_KEY]: legacy || generateSecretKey() };
}
