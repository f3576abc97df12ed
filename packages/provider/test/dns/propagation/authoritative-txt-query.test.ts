import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authoritativeTxtQuery } from "../../../src/dns/propagation/authoritative-txt-query.js";
import type { ResolvedServer } from "../../../src/dns/propagation/poll-loop.js";
import { type NamedFixture, startNamed } from "./named-fixture.js";

const ZONE = "example.test";
const zoneText = (serial: number, records: string) => `$TTL 600
@ IN SOA ns1.example.test. hostmaster.example.test. ( ${serial} 60 60 600 60 )
@ IN NS ns1
ns1 IN A 127.0.0.1
www IN A 127.0.0.1
${records}
`;

/** Asks until `accept` holds (named loads the zone a few ms after start or reload); bounded. */
async function answerOnceReady(
  ask: () => Promise<readonly string[]>,
  accept: (result: readonly string[] | string) => boolean,
): Promise<readonly string[] | string> {
  let last: readonly string[] | string = "not asked";
  for (let attempt = 0; attempt < 200; attempt += 1) {
    last = await ask().catch((err: Error) => err.message);
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return last;
}

describe("asking a real bind9 directly for TXT values", () => {
  let named: NamedFixture;
  let bind: ResolvedServer;
  const query = authoritativeTxtQuery();

  beforeAll(async () => {
    named = await startNamed(ZONE, zoneText(1, `_acme-challenge IN TXT "first" "half"`));
    bind = { name: `127.0.0.1:${named.port}`, address: "127.0.0.1", port: named.port };
  });
  afterAll(async () => {
    await named?.stop();
  });

  it("returns each TXT record's strings joined, as the value the ACME server compares", async () => {
    const ask = () => query(bind, "_acme-challenge.example.test");
    expect(await answerOnceReady(ask, (r) => Array.isArray(r))).toEqual(["firsthalf"]);
  });

  it("says in words what a server answered when it has no such value", async () => {
    expect(await query(bind, "www.example.test").catch((e: Error) => e.message)).toBe(
      "has no TXT record for the name yet",
    );
    expect(await query(bind, "_acme-challenge.nowhere.example.test").catch((e: Error) => e.message)).toBe(
      "answers that the name does not exist (NXDOMAIN)",
    );
    expect(await query(bind, "_acme-challenge.example.org").catch((e: Error) => e.message)).toBe(
      "refused the query (is it authoritative for the zone?)",
    );
  });

  it("sees a reloaded zone on the next query: nothing is cached between polls", async () => {
    const ask = () => query(bind, "_acme-challenge.example.test");
    expect(await ask()).toEqual(["firsthalf"]);
    await named.setZone(zoneText(2, `_acme-challenge IN TXT "second"`));
    named.reload();
    expect(await answerOnceReady(ask, (r) => Array.isArray(r) && r.includes("second"))).toEqual(["second"]);
  });
});
