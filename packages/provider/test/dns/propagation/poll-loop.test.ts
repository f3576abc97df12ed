import { describe, expect, it } from "vitest";
import { BACKOFF_MS, type PollClock, PollLoop } from "../../../src/dns/propagation/poll-loop.js";
import { FakeDns, server } from "./fake-dns.js";

const NAME = "_acme-challenge.example.com";

describe("the propagation poll loop", () => {
  it("answers once every server serves the value, with each server's push-to-served time", async () => {
    const dns = new FakeDns();
    dns.serve("ns1:53", NAME, "v1", 0);
    dns.serve("ns2:53", NAME, "v1", 1500);
    const loop = new PollLoop(dns.query, dns.clock);
    const result = await loop.waitFor({
      fqdn: NAME,
      value: "v1",
      servers: [server("ns1:53"), server("ns2:53", "192.0.2.2")],
      pushedAt: 0,
      deadline: 60_000,
    });
    expect(result.missing).toEqual([]);
    expect(result.served.find((s) => s.server === "ns1:53")?.seconds).toBe(0);
    // Served at 1.5 s; seen at the first poll after it (backoff 100+200+400+800 = 1.5 s).
    expect(result.served.find((s) => s.server === "ns2:53")?.seconds).toBe(1.5);
    // ns1 is not asked again once it served the value.
    expect(dns.queries.filter((q) => q.server === "ns1:53")).toHaveLength(1);
    expect(loop.waiting).toBe(0);
  });

  it("gives up at the deadline and names the servers that never served it, with their last answer", async () => {
    const dns = new FakeDns();
    dns.serve("ns1:53", NAME, "v1", 0);
    dns.serve("ns2:53", NAME, "old-value", 0);
    dns.failing.set("ns3:53", "did not answer in time");
    const loop = new PollLoop(dns.query, dns.clock);
    const result = await loop.waitFor({
      fqdn: NAME,
      value: "v1",
      servers: [server("ns1:53"), server("ns2:53"), server("ns3:53")],
      pushedAt: 0,
      deadline: 10_000,
    });
    expect(result.served.map((s) => s.server)).toEqual(["ns1:53"]);
    expect(result.missing).toEqual([
      { server: "ns2:53", reason: "answers without the new value" },
      { server: "ns3:53", reason: "did not answer in time" },
    ]);
    expect(dns.now).toBe(10_000);
  });

  it("backs off 100 ms, 200 ms, 400 ms, 800 ms, then polls every second, never sleeping past the deadline", async () => {
    const dns = new FakeDns();
    const loop = new PollLoop(dns.query, dns.clock);
    await loop.waitFor({
      fqdn: NAME,
      value: "v1",
      servers: [server("ns1:53")],
      pushedAt: 0,
      deadline: 4_000,
    });
    expect(BACKOFF_MS).toEqual([100, 200, 400, 800, 1000]);
    expect(dns.sleeps).toEqual([100, 200, 400, 800, 1000, 1000, 500]);
    expect(dns.sleeps.reduce((a, b) => a + b, 0)).toBe(4_000);
  });

  it("asks each server once per round for a name, however many presents wait on it (apex + wildcard)", async () => {
    const dns = new FakeDns();
    dns.serve("ns1:53", NAME, "apex", 250);
    dns.serve("ns1:53", NAME, "wildcard", 250);
    const loop = new PollLoop(dns.query, dns.clock);
    const request = { fqdn: NAME, servers: [server("ns1:53")], pushedAt: 0, deadline: 60_000 };
    const [apex, wildcard] = await Promise.all([
      loop.waitFor({ ...request, value: "apex" }),
      loop.waitFor({ ...request, value: "wildcard" }),
    ]);
    expect(apex.missing).toEqual([]);
    expect(wildcard.missing).toEqual([]);
    // Rounds at 0, 100 and 300 ms: three queries for two waiters, not six.
    expect(dns.queries.map((q) => q.at)).toEqual([0, 100, 300]);
  });

  it("asks a request that arrives while the loop sleeps at once, without waiting for the pause to end", async () => {
    const dns = new FakeDns();
    let endPause: (() => void) | undefined;
    const clock: PollClock = {
      now: () => dns.now,
      sleep: () =>
        new Promise<void>((resolve) => {
          endPause = resolve;
        }),
    };
    const loop = new PollLoop(dns.query, clock);
    const first = loop.waitFor({
      fqdn: NAME,
      value: "v1",
      servers: [server("ns1:53")],
      pushedAt: 0,
      deadline: 1_000,
    });
    await until(() => endPause !== undefined);
    dns.serve("ns1:53", "_acme-challenge.example.org", "v2", 0);
    const second = await loop.waitFor({
      fqdn: "_acme-challenge.example.org",
      value: "v2",
      servers: [server("ns1:53")],
      pushedAt: 0,
      deadline: 1_000,
    });
    expect(second.missing).toEqual([]);
    // The first request is still waiting on its own value; end it at its deadline.
    dns.now = 1_000;
    endPause?.();
    expect((await first).missing).toHaveLength(1);
  });

  it("answers every waiting request at once when the service stops, and later ones without polling", async () => {
    const dns = new FakeDns();
    const clock: PollClock = { now: () => dns.now, sleep: () => new Promise<void>(() => {}) };
    const loop = new PollLoop(dns.query, clock);
    const request = { fqdn: NAME, value: "v1", servers: [server("ns1:53")], pushedAt: 0, deadline: 60_000 };
    const waiting = loop.waitFor(request);
    await until(() => dns.queries.length === 1);
    loop.close();
    expect(await waiting).toEqual({
      served: [],
      missing: [{ server: "ns1:53", reason: "has no TXT record for the name yet" }],
    });
    expect((await loop.waitFor(request)).missing).toEqual([
      { server: "ns1:53", reason: "was not asked again: the service is stopping" },
    ]);
    expect(dns.queries).toHaveLength(1);
  });
});

/** Lets the loop run its first round (pending promise callbacks) until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ready(); i += 1) await new Promise((r) => setImmediate(r));
  if (!ready()) throw new Error("the loop never paused");
}
