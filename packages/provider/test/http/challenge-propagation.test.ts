import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { createApp } from "../../src/app.js";
import { migrate } from "../../src/db/migrations.js";
import { MemoryRecordStore } from "../../src/dns/memory-record-store.js";
import { PropagationWaiter } from "../../src/dns/propagation/propagation-waiter.js";
import type { ChallengeEvent } from "../../src/http/challenge-routes.js";
import { FakeDns } from "../dns/propagation/fake-dns.js";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";
import { basic, listenOnLoopback } from "../helpers/server.js";

const NAME = "_acme-challenge.example.com";
const V1 = "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM";

describe("/present with APP_PROPAGATION_CHECK", () => {
  let t: TestDatabase;
  let dns: FakeDns;
  const servers: { url: string; close(): Promise<void> }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgresql");
    await migrate(t.db.knex);
    const accounts = new Accounts(t.db.knex);
    await accounts.createOrUpdateUser("lego", { password: "lego-password" });
    await accounts.allowDomains("lego", { domains: ["example.com"], subdomains: [] });
  });
  beforeEach(() => {
    dns = new FakeDns();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await t?.dispose();
  });

  async function service(strict: boolean) {
    const store = new MemoryRecordStore(["example.com"]);
    const events: ChallengeEvent[] = [];
    const propagation = new PropagationWaiter({
      check: {
        kind: "servers",
        servers: [
          { host: "192.0.2.1", port: 53 },
          { host: "192.0.2.2", port: 53 },
        ],
      },
      timeoutSeconds: 10,
      strict,
      logger: pino({ level: "silent" }),
      query: dns.query,
      clock: dns.clock,
    });
    const app = createApp({
      db: t.db,
      store,
      logger: pino({ level: "silent" }),
      secretKey: "test-secret-key-0123456789",
      observers: [{ onChallenge: (e) => events.push(e) }],
      propagation,
    });
    const listening = await listenOnLoopback(app.express);
    servers.push(listening);
    const post = async (path: string, value: string) => {
      const res = await fetch(`${listening.url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", authorization: basic("lego", "lego-password") },
        body: `${JSON.stringify({ fqdn: `${NAME}.`, value })}\n`,
      });
      return { status: res.status, warning: res.headers.get("warning"), text: await res.text() };
    };
    return { store, events, post };
  }

  it("answers 200 only once every server serves the value, and the audit event says how long it waited", async () => {
    const { events, post } = await service(false);
    dns.serve("192.0.2.1:53", NAME, V1, 0);
    dns.serve("192.0.2.2:53", NAME, V1, 300);
    const r = await post("/present", V1);
    expect(r.status).toBe(200);
    expect(r.warning).toBeNull();
    expect(dns.queries.filter((q) => q.server === "192.0.2.2:53").map((q) => q.at)).toEqual([0, 100, 300]);
    expect(events[0]?.propagationWaitMs).toBe(300);
  });

  it("on timeout still answers 200 (the record is durable) with a Warning naming the server that lags", async () => {
    const { store, events, post } = await service(false);
    dns.serve("192.0.2.1:53", NAME, V1, 0);
    const r = await post("/present", V1);
    expect(r.status).toBe(200);
    expect(r.warning).toBe(
      '199 - "The record is in the repository, but after 10.0 s not every authoritative server serves it: 192.0.2.2:53 has no TXT record for the name yet"',
    );
    expect(store.records.get(NAME)?.has(V1)).toBe(true);
    expect(events[0]?.outcome).toBe("ok");
    expect(events[0]?.propagationWaitMs).toBe(10_000);
    expect(events[0]?.message).toContain("192.0.2.2:53");
  });

  it("with APP_PROPAGATION_STRICT answers 504 with the same message instead", async () => {
    const { store, events, post } = await service(true);
    dns.serve("192.0.2.1:53", NAME, V1, 0);
    const r = await post("/present", V1);
    expect(r.status).toBe(504);
    expect(r.text).toContain("192.0.2.2:53 has no TXT record for the name yet");
    expect(store.records.get(NAME)?.has(V1)).toBe(true);
    expect(events[0]?.status).toBe(504);
  });

  it("does not wait on /cleanup", async () => {
    const { events, post } = await service(false);
    const r = await post("/cleanup", V1);
    expect(r.status).toBe(200);
    expect(dns.queries).toEqual([]);
    expect(events[0]?.propagationWaitMs).toBeUndefined();
  });
});
