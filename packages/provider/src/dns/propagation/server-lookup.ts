/**
 * Turns configured servers (`ns1.example.com:53`) into addresses to query: Node's resolver takes
 * addresses only. Names go through the system resolver (as every other host name the service
 * uses), and answers are kept for a minute so a burst of presents costs one lookup per name.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { NotServed, ResolvedServer } from "./poll-loop.js";
import { formatServerAddress, type ServerAddress } from "./propagation-setting.js";

/** Every address of a host name. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

export const systemLookup: HostLookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const CACHE_MS = 60_000;
const MAX_CACHED = 1024;

export interface ServerAddresses {
  readonly servers: readonly ResolvedServer[];
  /** Servers whose name did not resolve: they cannot be asked, so they are reported as missing. */
  readonly unresolved: readonly NotServed[];
}

export class ServerLookup {
  private readonly cache = new Map<string, { readonly at: number; readonly addresses: readonly string[] }>();

  constructor(
    private readonly lookupHost: HostLookup,
    private readonly now: () => number,
  ) {}

  async resolve(configured: readonly ServerAddress[]): Promise<ServerAddresses> {
    const servers: ResolvedServer[] = [];
    const unresolved: NotServed[] = [];
    await Promise.all(
      configured.map(async (server) => {
        const name = formatServerAddress(server);
        try {
          const addresses = await this.addressesOf(server.host);
          // A name with several addresses is several servers to the poll loop.
          for (const address of addresses) {
            servers.push({
              name: addresses.length > 1 ? `${name}/${address}` : name,
              address,
              port: server.port,
            });
          }
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          unresolved.push({ server: name, reason: `its name does not resolve (${String(code ?? err)})` });
        }
      }),
    );
    return { servers, unresolved };
  }

  private async addressesOf(host: string): Promise<readonly string[]> {
    if (isIP(host) !== 0) return [host];
    const cached = this.cache.get(host);
    if (cached !== undefined && this.now() - cached.at < CACHE_MS) return cached.addresses;
    const addresses = await this.lookupHost(host);
    if (addresses.length === 0) throw Object.assign(new Error("no address"), { code: "ENODATA" });
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(host, { at: this.now(), addresses });
    return addresses;
  }
}
