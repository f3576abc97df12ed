import { createHash } from "node:crypto";

/**
 * The service reads its key file and known_hosts once, at start, and the plan only names their
 * paths: rewriting them changes nothing Pebble can see. A digest of their contents in the
 * service's environment makes a changed file a changed plan, so replan restarts the service
 * (docs/decisions/0323).
 */
export const FILES_DIGEST_VARIABLE = "CHARM_FILES_DIGEST";

/** sha256 over each path and content, in path order; the same files give the same digest. Pure. */
export function filesDigest(files: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    const content = files[path] ?? "";
    hash.update(`${path}\0${Buffer.byteLength(content)}\0${content}`);
  }
  return hash.digest("hex");
}

/** The service's environment with the digest of the files it reads, when it reads any. Pure. */
export function withFilesDigest(
  environment: Readonly<Record<string, string>>,
  files: Readonly<Record<string, string>>,
): Record<string, string> {
  if (Object.keys(files).length === 0) return { ...environment };
  return { ...environment, [FILES_DIGEST_VARIABLE]: filesDigest(files) };
}
