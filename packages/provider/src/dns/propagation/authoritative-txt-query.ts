/**
 * Asks one authoritative server for a name's TXT values, directly: Node's own resolver with that
 * server as its only server (setServers takes a port), one try, a short timeout. Node turns
 * c-ares' query cache off, so every poll reaches the server.
 */
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import type { ResolvedServer, TxtQuery } from "./poll-loop.js";

/** Per query; the poll loop asks again after its backoff. */
const QUERY_TIMEOUT_MS = 1000;
/** Resolvers are kept per server; servers come from the configuration or NS records, so few. */
const MAX_RESOLVERS = 256;

/** What a failed query means for the operator reading the Warning header or the log. */
export function describeQueryFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case "ENODATA":
      return "has no TXT record for the name yet";
    case "ENOTFOUND":
      return "answers that the name does not exist (NXDOMAIN)";
    case "ETIMEOUT":
      return "did not answer in time";
    case "ECONNREFUSED":
      return "refused the connection";
    case "EREFUSED":
      return "refused the query (is it authoritative for the zone?)";
    case "ESERVFAIL":
      return "answered SERVFAIL (zone not loaded?)";
    default:
      return `query failed (${typeof code === "string" ? code : String(err)})`;
  }
}

export function authoritativeTxtQuery(timeoutMs = QUERY_TIMEOUT_MS): TxtQuery {
  const resolvers = new Map<string, Resolver>();
  return async (server: ResolvedServer, fqdn: string) => {
    const address =
      isIP(server.address) === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
    let resolver = resolvers.get(address);
    if (resolver === undefined) {
      if (resolvers.size >= MAX_RESOLVERS) resolvers.clear();
      resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      resolver.setServers([address]);
      resolvers.set(address, resolver);
    }
    try {
      // A TXT record may be split in several strings; the value is their concatenation.
      return (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join(""));
    } catch (err) {
      throw new Error(describeQueryFailure(err));
    }
  };
}
