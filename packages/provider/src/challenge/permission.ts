import { ACME_PREFIX } from "./dns-name.js";

export type AccessLevel = "domain" | "subdomain";

export interface Grant {
  readonly domain: string;
  readonly accessLevel: AccessLevel;
}

/**
 * May a holder of `grants` manage `fqdn` (normalised, `_acme-challenge.X`)? A domain grant covers
 * exactly X; a subdomain grant for D covers any X ending in `.D` (not D itself, as in the Django app).
 */
export function canManage(fqdn: string, grants: readonly Grant[]): boolean {
  if (!fqdn.startsWith(ACME_PREFIX)) return false;
  const name = fqdn.slice(ACME_PREFIX.length);
  return grants.some((g) => (g.accessLevel === "domain" ? name === g.domain : name.endsWith(`.${g.domain}`)));
}
