import { AppError } from "../errors.js";

/**
 * An ACME DNS-01 value is the unpadded base64url SHA-256 digest of the key authorisation
 * (RFC 8555 §8.4): exactly 43 characters of [A-Za-z0-9_-]. acme-dns accepts nothing else, and
 * neither do we: anything else is not a challenge and never reaches a zone file.
 */
const ACME_DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** Pure: the validated `txt` field, or a 400 that says what a value must look like. */
export function parseAcmeDigest(raw: string): string {
  if (!ACME_DIGEST.test(raw)) {
    const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
    throw new AppError(
      "invalid_value",
      `Invalid txt "${shown}": an ACME DNS-01 value is 43 characters of A-Z, a-z, 0-9, '-' and '_' (got ${raw.length} characters)`,
      { details: { field: "txt" } },
    );
  }
  return raw;
}
