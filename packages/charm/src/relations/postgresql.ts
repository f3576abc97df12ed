/**
 * postgresql_client, requirer side (canonical/data-platform-libs data_interfaces.py v0).
 * We ask for a database named after the application, like the Django charm did, so a
 * deployment that switches charms keeps its database.
 */
export const ENDPOINT = "postgresql";

/** Fields the provider may deliver through a Juju secret instead of plain databag keys. */
const REQUESTED_SECRETS = ["username", "password", "tls", "tls-ca", "uris", "read-only-uris"];

export function requirerAppData(appName: string): Record<string, string> {
  return { database: appName, "requested-secrets": JSON.stringify(REQUESTED_SECRETS) };
}

export interface DatabaseOffer {
  endpoints?: string;
  database?: string;
  username?: string;
  password?: string;
  uris?: string;
  /** `secret-user`: URI of a Juju secret holding username/password (and maybe uris). */
  secretUser?: string;
}

export function parseProviderAppData(data: Record<string, string>): DatabaseOffer {
  const offer: DatabaseOffer = {};
  const set = (field: keyof DatabaseOffer, key: string): void => {
    const value = data[key];
    if (value !== undefined && value !== "") offer[field] = value;
  };
  set("endpoints", "endpoints");
  set("database", "database");
  set("username", "username");
  set("password", "password");
  set("uris", "uris");
  set("secretUser", "secret-user");
  return offer;
}

/** Merges secret content (`username`, `password`, `uris`) over the plain fields. */
export function withSecretCredentials(offer: DatabaseOffer, secret: Record<string, string>): DatabaseOffer {
  return {
    ...offer,
    ...(secret.username ? { username: secret.username } : {}),
    ...(secret.password ? { password: secret.password } : {}),
    ...(secret.uris ? { uris: secret.uris } : {}),
  };
}

/**
 * `postgresql://user:pass@host:port/db`, as paas-charm builds it: `uris` verbatim when given,
 * otherwise from the first endpoint. Undefined until credentials and an endpoint arrived.
 */
export function connectString(offer: DatabaseOffer, fallbackDatabase: string): string | undefined {
  if (offer.uris) return offer.uris.split(",")[0]?.trim() || undefined;
  const endpoint = offer.endpoints?.split(",")[0]?.trim();
  if (!endpoint || !offer.username || !offer.password) return undefined;
  const database = offer.database ?? fallbackDatabase;
  return `postgresql://${encodeURIComponent(offer.username)}:${encodeURIComponent(offer.password)}@${endpoint}/${encodeURIComponent(database)}`;
}
