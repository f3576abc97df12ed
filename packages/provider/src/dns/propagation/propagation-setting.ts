/**
 * `APP_PROPAGATION_CHECK`: which authoritative servers a /present waits for. Unset: none (answer
 * once the change is pushed). `auto`: the zone's own NS records, port 53. Otherwise a
 * comma-separated list of `host[:port]` (an IPv6 address with a port is written `[addr]:port`).
 */
import { isIP } from "node:net";

/** One authoritative server as configured: a host name or address, and a port. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export type PropagationCheck =
  | { readonly kind: "off" }
  | { readonly kind: "auto" }
  | { readonly kind: "servers"; readonly servers: readonly ServerAddress[] };

export const DNS_PORT = 53;

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** `host`, `host:port`, `v6addr` or `[v6addr]:port`; undefined when it is none of these. */
export function parseServerAddress(entry: string): ServerAddress | undefined {
  let host = entry;
  let port = String(DNS_PORT);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) {
    host = bracketed[1] as string;
    port = bracketed[2] ?? port;
    if (isIP(host) !== 6) return undefined;
  } else if (isIP(entry) !== 6) {
    const colon = entry.lastIndexOf(":");
    if (colon >= 0) {
      host = entry.slice(0, colon);
      port = entry.slice(colon + 1);
    }
    if (isIP(host) === 0 && !HOST_NAME.test(host)) return undefined;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return undefined;
  return { host: host.toLowerCase().replace(/\.$/, ""), port: Number(port) };
}

/** Parses the setting; throws an Error naming the bad entries (the config reports it). */
export function parsePropagationCheck(value: string | undefined): PropagationCheck {
  const text = (value ?? "").trim();
  if (text === "") return { kind: "off" };
  if (text.toLowerCase() === "auto") return { kind: "auto" };
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  const servers: ServerAddress[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const server = parseServerAddress(entry);
    if (server === undefined) bad.push(`"${entry}"`);
    else servers.push(server);
  }
  if (bad.length > 0) {
    throw new Error(
      `not a host[:port]: ${bad.join(", ")} (expected "auto" or a comma-separated list such as ns1.example.com,192.0.2.53:5353,[2001:db8::53]:53)`,
    );
  }
  return { kind: "servers", servers };
}

/** How a server is named in messages and metric labels: `host:port`, `[v6]:port`. */
export function formatServerAddress(server: ServerAddress): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
