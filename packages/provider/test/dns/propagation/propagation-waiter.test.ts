import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PropagationWaiter, type ZoneSource } from "../../../src/dns/propagation/propagation-waiter.js";
import { listNameServers } from "../../../src/dns/zone-file.js";
import { FakeDns } from "./fake-dns.js";

const NAME = "_acme-challenge.www.example.com";
const ZONE_TEXT = `$TTL 600
@ IN SOA ns1.example.com. hostmaster.example.com. ( 2024010101 3600 600 86400 600 )
@ IN NS ns1.example.com.
  IN NS ns2
sub IN NS ns.elsewhere.test.
www IN A 192.0.2.10
`;
const zones: ZoneSource = {
  zoneOf: async (fqdn) =>
    fqdn.endsWith(".example.com") ? { zone: "example.com", text: ZONE_TEXT } : undefined,
};
const quiet = pino({ level: "silent" });

describe("the zone's own name servers (APP_PROPAGATION_CHECK=auto)", () => {
  it("are the apex NS targets, relative ones completed with the zone, delegations left out", () => {
    expect(listNameServers(ZONE_TEXT, "example.com")).toEqual(["ns1.example.com", "ns2.example.com"]);
  });
});

describe("waiting for propagation after a push", () => {
  it("with auto, waits for every NS of the zone on port 53, and counts push-to-served time per server", async () => {
    const dns = new FakeDns();
    dns.serve("ns1.example.com:53", NAME, "v1", 0);
    dns.serve("ns2.example.com:53", NAME, "v1", 700);
    const registry = new Registry();
    const looked: string[] = [];
    const waiter = new PropagationWaiter({
      check: { kind: "auto" },
      timeoutSeconds: 60,
      strict: false,
      zones,
      logger: quiet,
      metrics: registry,
      query: dns.query,
      clock: dns.clock,
      lookup: async (host) => {
        looked.push(host);
        return [host === "ns1.example.com" ? "192.0.2.1" : "192.0.2.2"];
      },
    });
    const outcome = await waiter.waitFor(NAME, "v1");
    expect(outcome).toEqual({ waitedMs: 700, confirmed: true, missing: [], message: undefined });
    expect(dns.queries.every((q) => q.fqdn === NAME)).toBe(true);
    const metrics = await registry.metrics();
    expect(metrics).toContain('hlp_propagation_served_seconds_count{server="ns2.example.com:53"} 1');
    expect(metrics).toContain('hlp_propagation_served_seconds_bucket{le="1",server="ns2.example.com:53"} 1');
    expect(metrics).toContain("hlp_propagation_timeouts_total 0");
    // A second present within the minute reuses the addresses.
    dns.serve("ns1.example.com:53", NAME, "v2", 0);
    dns.serve("ns2.example.com:53", NAME, "v2", 0);
    await waiter.waitFor(NAME, "v2");
    expect(looked.sort()).toEqual(["ns1.example.com", "ns2.example.com"]);
  });

  it("on timeout says the record is in the repository and names each server with what it answered", async () => {
    const dns = new FakeDns();
    dns.serve("192.0.2.53:5353", NAME, "v1", 0);
    dns.failing.set("192.0.2.54:53", "refused the query (is it authoritative for the zone?)");
    const registry = new Registry();
    const waiter = new PropagationWaiter({
      check: {
        kind: "servers",
        servers: [
          { host: "192.0.2.53", port: 5353 },
          { host: "192.0.2.54", port: 53 },
          { host: "ns9.example.com", port: 53 },
        ],
      },
      timeoutSeconds: 5,
      strict: false,
      logger: quiet,
      metrics: registry,
      query: dns.query,
      clock: dns.clock,
      lookup: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
      },
    });
    const outcome = await waiter.waitFor(NAME, "v1");
    expect(outcome.confirmed).toBe(false);
    expect(outcome.waitedMs).toBe(5000);
    expect(outcome.missing.map((m) => m.server)).toEqual(["ns9.example.com:53", "192.0.2.54:53"]);
    expect(outcome.message).toBe(
      "The record is in the repository, but after 5.0 s not every authoritative server serves it: " +
        "ns9.example.com:53 its name does not resolve (ENOTFOUND); " +
        "192.0.2.54:53 refused the query (is it authoritative for the zone?)",
    );
    expect(await registry.metrics()).toContain("hlp_propagation_timeouts_total 1");
  });

  it("with auto and a zone without NS records, answers at once that there is nothing to check", async () => {
    const dns = new FakeDns();
    const waiter = new PropagationWaiter({
      check: { kind: "auto" },
      timeoutSeconds: 60,
      strict: false,
      zones: { zoneOf: async () => ({ zone: "example.com", text: "@ IN SOA a. b. 1 2 3 4 5\n" }) },
      logger: quiet,
      query: dns.query,
      clock: dns.clock,
    });
    const outcome = await waiter.waitFor(NAME, "v1");
    expect(outcome.confirmed).toBe(false);
    expect(outcome.waitedMs).toBe(0);
    expect(outcome.message).toContain("the zone file of example.com has no NS records");
    expect(dns.queries).toEqual([]);
  });
});
