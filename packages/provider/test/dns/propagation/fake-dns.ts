/**
 * A fake set of authoritative servers on a virtual clock: each server starts serving a value at a
 * given virtual time (after its "reload"), or never. Sleeping advances the virtual clock at once,
 * so tests of the poll loop never wait on real time.
 */
import type { PollClock, ResolvedServer, TxtQuery } from "../../../src/dns/propagation/poll-loop.js";

export function server(name: string, address = "192.0.2.1", port = 53): ResolvedServer {
  return { name, address, port };
}

export class FakeDns {
  now = 0;
  readonly sleeps: number[] = [];
  readonly queries: { server: string; fqdn: string; at: number }[] = [];
  /** server name → fqdn → value → virtual time from which the server serves it. */
  private readonly servedFrom = new Map<string, Map<string, Map<string, number>>>();
  /** Servers that fail every query with this reason. */
  readonly failing = new Map<string, string>();

  serve(serverName: string, fqdn: string, value: string, fromMs: number): void {
    const names = this.servedFrom.get(serverName) ?? new Map<string, Map<string, number>>();
    const values = names.get(fqdn) ?? new Map<string, number>();
    values.set(value, fromMs);
    names.set(fqdn, values);
    this.servedFrom.set(serverName, names);
  }

  readonly query: TxtQuery = async (s, fqdn) => {
    this.queries.push({ server: s.name, fqdn, at: this.now });
    const failure = this.failing.get(s.name);
    if (failure !== undefined) throw new Error(failure);
    const values = this.servedFrom.get(s.name)?.get(fqdn) ?? new Map<string, number>();
    const live = [...values].filter(([, from]) => this.now >= from).map(([v]) => v);
    if (live.length === 0) throw new Error("has no TXT record for the name yet");
    return live;
  };

  readonly clock: PollClock = {
    now: () => this.now,
    sleep: async (ms) => {
      this.sleeps.push(ms);
      this.now += ms;
    },
  };
}
