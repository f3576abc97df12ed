/**
 * DNS name rules shared by the challenge API, the grants and the CLI: labels of 1–63 characters
 * of [a-z0-9-] not starting or ending with '-', at most 253 characters in all, compared lowercase.
 */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const ACME_PREFIX = "_acme-challenge.";

/** Returns why `name` (already lowercase, no trailing dot) is not a valid DNS name, or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > 253) return `is ${name.length} characters long (at most 253 allowed)`;
  const labels = name.split(".");
  for (const label of labels) {
    if (label.length === 0) return "has an empty label";
    if (label.length > 63) return `has a label of ${label.length} characters (at most 63 allowed)`;
    if (!LABEL.test(label)) {
      return `has an invalid label "${label}" (use a-z, 0-9 and '-', not at the start or end)`;
    }
  }
  return undefined;
}

/** Lowercases and strips one trailing dot. */
export function normaliseName(raw: string): string {
  const lower = raw.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

export class InvalidDomainError extends Error {
  override readonly name = "InvalidDomainError";
  constructor(
    readonly domain: string,
    readonly problem: string,
  ) {
    super(`Invalid domain "${domain}": it ${problem}`);
  }
}

/** Validates a domain given to a grant (CLI, admin API): returns the normalised form. */
export function parseGrantDomain(raw: string): string {
  const trimmed = raw.trim();
  const name = normaliseName(trimmed);
  if (name.startsWith(ACME_PREFIX)) {
    throw new InvalidDomainError(trimmed, `starts with "${ACME_PREFIX}": grant the domain itself`);
  }
  const problem = dnsNameProblem(name);
  if (problem) throw new InvalidDomainError(trimmed, problem);
  if (!name.includes("."))
    throw new InvalidDomainError(trimmed, "is a single label (a zone name needs a dot)");
  return name;
}
