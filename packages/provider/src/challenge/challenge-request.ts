import { createHash } from "node:crypto";
import { AppError } from "../errors.js";
import { ACME_PREFIX, dnsNameProblem, normaliseName } from "./dns-name.js";

/** A validated challenge: `fqdn` lowercase without trailing dot, starting with `_acme-challenge.`. */
export interface ChallengeRequest {
  readonly fqdn: string;
  readonly value: string | undefined;
}

// Printable ASCII minus space, '"', ';' and '\': safe inside a quoted TXT string and one zone line.
const SAFE_VALUE = /^[!#-:<-[\]-~]+$/;

function fieldError(field: string, message: string): AppError {
  const code =
    field === "fqdn" || field === "domain"
      ? "invalid_fqdn"
      : field === "value"
        ? "invalid_value"
        : "bad_request";
  return new AppError(code, message, { details: { field } });
}

function stringField(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null) {
    if (required) throw fieldError(field, `Missing field "${field}"`);
    return undefined;
  }
  if (typeof raw !== "string") throw fieldError(field, `Field "${field}" must be a string`);
  return raw;
}

export function parseFqdn(raw: string): string {
  const fqdn = normaliseName(raw.trim());
  if (!fqdn.startsWith(ACME_PREFIX)) {
    throw fieldError(
      "fqdn",
      `Invalid fqdn "${raw}": it must start with "${ACME_PREFIX}". If lego followed a CNAME, point the CNAME at an ` +
        `${ACME_PREFIX} name or set LEGO_DISABLE_CNAME_SUPPORT=true`,
    );
  }
  const problem = dnsNameProblem(fqdn.slice(ACME_PREFIX.length));
  if (problem) throw fieldError("fqdn", `Invalid fqdn "${raw}": the name after "${ACME_PREFIX}" ${problem}`);
  if (fqdn.length > 253) throw fieldError("fqdn", `Invalid fqdn "${raw}": longer than 253 characters`);
  return fqdn;
}

export function parseValue(raw: string): string {
  if (raw.length === 0) throw fieldError("value", `Invalid value: it is empty`);
  if (raw.length > 255)
    throw fieldError("value", `Invalid value: ${raw.length} characters (at most 255 allowed)`);
  if (!SAFE_VALUE.test(raw)) {
    throw fieldError(
      "value",
      `Invalid value: only printable ASCII without spaces, quotes, ';' or '\\' is allowed in a TXT challenge value`,
    );
  }
  return raw;
}

/** base64url(SHA-256(keyAuth)) without padding: what lego publishes for a key authorisation. */
export function challengeValueFromKeyAuth(keyAuth: string): string {
  return createHash("sha256").update(keyAuth, "utf8").digest("base64url");
}

/**
 * Parses a /present or /cleanup body: lego's default `{fqdn, value}` (JSON or form-encoded) or
 * RAW mode `{domain, token, keyAuth}`. `valueRequired` is false for /cleanup, where a missing
 * value means "every value of that name".
 */
export function parseChallengeBody(body: unknown, valueRequired: boolean): ChallengeRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", 'Expected a JSON object body: {"fqdn": "...", "value": "..."}');
  }
  const record = body as Record<string, unknown>;
  if (record.fqdn === undefined && record.domain !== undefined) {
    const domain = stringField(record, "domain", true) ?? "";
    const keyAuth = stringField(record, "keyAuth", valueRequired);
    const name = normaliseName(domain.trim()).replace(/^\*\./, "");
    const fqdn = parseFqdn(`${ACME_PREFIX}${name}`);
    return { fqdn, value: keyAuth === undefined ? undefined : challengeValueFromKeyAuth(keyAuth) };
  }
  const fqdn = parseFqdn(stringField(record, "fqdn", true) ?? "");
  const rawValue = stringField(record, "value", valueRequired);
  return { fqdn, value: rawValue === undefined ? undefined : parseValue(rawValue) };
}
