import { randomUUID } from "node:crypto";
import type { Accounts } from "../accounts.js";
import { ACME_PREFIX } from "../challenge/dns-name.js";

/** acme-dns's account JSON: what /register answers and what cert-manager's solver is given. */
export interface AcmeDnsAccount {
  readonly username: string;
  readonly password: string;
  /** The CNAME target for `_acme-challenge.<domain>`: the record /update writes. */
  readonly fulldomain: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
}

/**
 * Creates a user with a random label under `zone` and a domain grant for exactly
 * `<label>.<zone>` (which covers `_acme-challenge.<label>.<zone>` and nothing else).
 * The username names the label so operators can tell these users apart.
 */
export async function registerAccount(accounts: Accounts, zone: string): Promise<AcmeDnsAccount> {
  const subdomain = randomUUID();
  const username = `acmedns-${subdomain}`;
  const name = `${subdomain}.${zone}`;
  const { password } = await accounts.createOrUpdateUser(username);
  try {
    await accounts.allowDomains(username, { domains: [name], subdomains: [] });
  } catch (err) {
    // No user without its grant: it could never do anything.
    const user = await accounts.users.findByUsername(username);
    if (user) await accounts.users.delete(user.id);
    throw err;
  }
  return { username, password, fulldomain: `${ACME_PREFIX}${name}`, subdomain, allowfrom: [] };
}
