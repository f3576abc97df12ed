import { ACME_PREFIX, dnsNameProblem, normaliseName } from "../challenge/dns-name.js";
import { AppError } from "../errors.js";

/** Where an acme-dns `subdomain` points: the record to write, and how it was named. */
export interface AcmeDnsTarget {
  /** The TXT record's name: lowercase, no trailing dot, always `_acme-challenge.<name>`. */
  readonly fqdn: string;
  /** `name`: the client named the domain it certifies; `label`: an acme-dns account label under the zone. */
  readonly kind: "name" | "label";
}

function subdomainError(message: string): AppError {
  return new AppError("bad_request", message, { details: { field: "subdomain" } });
}

/**
 * Pure: maps acme-dns's `subdomain` field to the record this service writes (docs/decisions/0008).
 *
 * - A DNS name (`www.example.com`) means `_acme-challenge.www.example.com`: the client certifies
 *   that name directly, no CNAME needed, so apex and wildcard of one order share one record.
 * - A bare label (acme-dns's own account style, e.g. a UUID) means
 *   `_acme-challenge.<label>.<acmednsZone>`, the CNAME target of the classic set-up. Only
 *   `_acme-challenge.` names are ever written (decision 0004), so that is also the `fulldomain`
 *   that /register hands out.
 */
export function acmeDnsTarget(raw: string, acmednsZone: string | undefined): AcmeDnsTarget {
  const subdomain = normaliseName(raw.trim());
  if (subdomain === "") throw subdomainError('Missing field "subdomain"');
  // A client configured with the record name itself means the same record.
  const name = subdomain.startsWith(ACME_PREFIX) ? subdomain.slice(ACME_PREFIX.length) : subdomain;
  const problem = dnsNameProblem(name);
  if (problem) throw subdomainError(`Invalid subdomain "${raw}": it ${problem}`);
  if (name.includes(".")) {
    const fqdn = ACME_PREFIX + name;
    if (fqdn.length > 253)
      throw subdomainError(`Invalid subdomain "${raw}": the record name is longer than 253 characters`);
    return { fqdn, kind: "name" };
  }
  if (acmednsZone === undefined) {
    throw subdomainError(
      `Invalid subdomain "${raw}": a single label names an acme-dns account under APP_ACMEDNS_ZONE, which is not set on this service; ` +
        "send the domain to certify instead (e.g. www.example.com), or ask the operator to set APP_ACMEDNS_ZONE",
    );
  }
  const fqdn = `${ACME_PREFIX}${name}.${acmednsZone}`;
  if (fqdn.length > 253)
    throw subdomainError(`Invalid subdomain "${raw}": the record name is longer than 253 characters`);
  return { fqdn, kind: "label" };
}
