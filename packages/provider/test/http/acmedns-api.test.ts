import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Accounts } from "../../src/accounts.js";
import { createApp } from "../../src/app.js";
import { migrate } from "../../src/db/migrations.js";
import { MemoryRecordStore } from "../../src/dns/memory-record-store.js";
import type { ChallengeEvent } from "../../src/http/challenge-routes.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";
import { basic, listenOnLoopback } from "../helpers/server.js";

// Three real ACME digests (43 base64url characters), as one order then the next would send them.
const V1 = "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM";
const V2 = "Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo";
const V3 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF-";
const V4 = "qT4Vn0uXk2m1b8r7c6d5e4f3g2h1i0j9k8l7m6n5o4p";

/**
 * The exact requests the clients in the wild send (acmesh-official/acme.sh dnsapi/dns_acmedns.sh
 * 3.1.x; nrdcg/goacmedns client.go, which lego's `acme-dns` provider and cert-manager's `acmeDNS`
 * solver use), and what each of them counts as success.
 */
interface ClientShape {
  readonly client: string;
  request(
    user: string,
    key: string,
    subdomain: string,
    txt: string,
  ): { headers: Record<string, string>; body: string };
  succeeded(status: number, body: string, txt: string): boolean;
}

const CLIENTS: readonly ClientShape[] = [
  {
    // curl --data with no Content-Type of its own: curl labels it form data. A space after the comma.
    client: "acme.sh dns_acmedns",
    request: (user, key, subdomain, txt) => ({
      headers: {
        "User-Agent": "acme.sh/3.1.4 (https://github.com/acmesh-official/acme.sh)",
        Accept: "*/*",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Api-User": user,
        "X-Api-Key": key,
      },
      body: `{"subdomain":"${subdomain}", "txt": "${txt}"}`,
    }),
    // It greps the body for the quoted value, whatever the status.
    succeeded: (_status, body, txt) => body.includes(`"${txt}"`),
  },
  {
    // Go's json.Encoder: compact JSON and a newline.
    client: "goacmedns (lego acme-dns, cert-manager acmeDNS)",
    request: (user, key, subdomain, txt) => ({
      headers: {
        Accept: "application/json",
        "User-Agent": "goacmedns (linux; amd64)",
        "Content-Type": "application/json",
        "X-Api-User": user,
        "X-Api-Key": key,
      },
      body: `${JSON.stringify({ subdomain, txt })}\n`,
    }),
    succeeded: (status) => status >= 200 && status < 300,
  },
];

describe.each(DATABASE_KINDS)("acme-dns API over HTTP on %s", (kind) => {
  let t: TestDatabase;
  let store: MemoryRecordStore;
  let url: string;
  let close: () => Promise<void>;
  let registerUrl: string;
  let closeRegister: () => Promise<void>;
  const events: ChallengeEvent[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await migrate(t.db.knex);
    const accounts = new Accounts(t.db.knex);
    await accounts.createOrUpdateUser("certs", { password: "certs-password" });
    await accounts.allowDomains("certs", { domains: ["example.com"], subdomains: ["example.org"] });
    await accounts.createOrUpdateUser("other", { password: "other-password" });
    store = new MemoryRecordStore(["example.com", "example.org", "auth.example.net"]);
    const logger = pino({ level: "silent" });
    const app = createApp({
      db: t.db,
      store,
      logger,
      secretKey: undefined,
      observers: [{ onChallenge: (e) => events.push(e) }],
      acmedns: { zone: "auth.example.net", register: false },
    });
    ({ url, close } = await listenOnLoopback(app.express));
    // Same database and store, registration on, and a zone that is not in the repository.
    const open = createApp({
      db: t.db,
      store,
      logger,
      secretKey: undefined,
      acmedns: { zone: "auth.example.net", register: true },
    });
    ({ url: registerUrl, close: closeRegister } = await listenOnLoopback(open.express));
  });
  afterAll(async () => {
    await close?.();
    await closeRegister?.();
    await t?.dispose();
  });

  const values = (fqdn: string) => [...(store.records.get(fqdn) ?? [])].sort();

  async function update(
    base: string,
    shape: ClientShape,
    creds: [string, string],
    subdomain: string,
    txt: string,
  ): Promise<{ status: number; body: string; succeeded: boolean }> {
    const { headers, body } = shape.request(creds[0], creds[1], subdomain, txt);
    const res = await fetch(`${base}/update`, { method: "POST", headers, body });
    const text = await res.text();
    return { status: res.status, body: text, succeeded: shape.succeeded(res.status, text, txt) };
  }

  describe.each(CLIENTS)("$client", (shape) => {
    it("gets 200 and {txt} for the apex and wildcard challenges of one order, both served", async () => {
      store.records.clear();
      const apex = await update(url, shape, ["certs", "certs-password"], "example.com", V1);
      const wildcard = await update(url, shape, ["certs", "certs-password"], "example.com", V2);
      expect([apex.status, wildcard.status]).toEqual([200, 200]);
      expect(JSON.parse(apex.body)).toEqual({ txt: V1 });
      expect(apex.succeeded && wildcard.succeeded).toBe(true);
      expect(values("_acme-challenge.example.com")).toEqual([V1, V2].sort());
    });

    it("the next order replaces the previous order's values (two kept, in one commit)", async () => {
      const next = await update(url, shape, ["certs", "certs-password"], "example.com", V3);
      expect(next.succeeded).toBe(true);
      expect(values("_acme-challenge.example.com")).toEqual([V2, V3].sort());
      expect(events.at(-1)).toMatchObject({
        action: "update",
        outcome: "ok",
        fqdn: "_acme-challenge.example.com",
      });
      await update(url, shape, ["certs", "certs-password"], "example.com", V4);
      expect(values("_acme-challenge.example.com")).toEqual([V3, V4].sort());
    });

    it("is refused (no success for the client) with a wrong key, another user's name, or a bad value", async () => {
      const before = values("_acme-challenge.example.com");
      const wrongKey = await update(url, shape, ["certs", "nope"], "example.com", V1);
      expect(wrongKey.status).toBe(401);
      const notGranted = await update(url, shape, ["other", "other-password"], "example.com", V1);
      expect(notGranted.status).toBe(403);
      expect(JSON.parse(notGranted.body).message).toBe(
        "The user other does not have permission to manage _acme-challenge.example.com",
      );
      const notDigest = await update(url, shape, ["certs", "certs-password"], "example.com", "hello");
      expect(notDigest.status).toBe(400);
      for (const r of [wrongKey, notGranted, notDigest]) expect(r.succeeded).toBe(false);
      expect(values("_acme-challenge.example.com")).toEqual(before);
    });
  });

  it("never touches values written through /present", async () => {
    store.records.clear();
    const present = await fetch(`${url}/present`, {
      method: "POST",
      headers: { authorization: basic("certs", "certs-password"), "Content-Type": "application/json" },
      body: JSON.stringify({ fqdn: "_acme-challenge.www.example.org.", value: V1 }),
    });
    expect(present.status).toBe(200);
    const goacmedns = CLIENTS[1] as ClientShape;
    for (const v of [V2, V3, V4]) {
      expect((await update(url, goacmedns, ["certs", "certs-password"], "www.example.org", v)).status).toBe(
        200,
      );
    }
    expect(values("_acme-challenge.www.example.org")).toEqual([V1, V3, V4].sort());
  });

  it("a bare label is a name under APP_ACMEDNS_ZONE, covered only by a grant for exactly it", async () => {
    const goacmedns = CLIENTS[1] as ClientShape;
    const label = "8e5700ea-a4bf-41c7-8a77-e990661dcc6a";
    const denied = await update(url, goacmedns, ["certs", "certs-password"], label, V1);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toContain(`_acme-challenge.${label}.auth.example.net`);
    await new Accounts(t.db.knex).allowDomains("certs", {
      domains: [`${label}.auth.example.net`],
      subdomains: [],
    });
    expect((await update(url, goacmedns, ["certs", "certs-password"], label, V1)).status).toBe(200);
    expect(values(`_acme-challenge.${label}.auth.example.net`)).toEqual([V1]);
  });

  it("answers malformed requests with a 400 naming the field, before they reach the store", async () => {
    const creds = {
      "X-Api-User": "certs",
      "X-Api-Key": "certs-password",
      "Content-Type": "application/json",
    };
    const post = async (body: string, headers: Record<string, string> = creds) => {
      const res = await fetch(`${url}/update`, { method: "POST", headers, body });
      return { status: res.status, json: (await res.json()) as { message: string; field?: string } };
    };
    expect(await post("{")).toMatchObject({ status: 400, json: { message: "Body is not valid JSON" } });
    expect(await post(JSON.stringify({ txt: V1 }))).toMatchObject({
      status: 400,
      json: { field: "subdomain" },
    });
    expect(await post(JSON.stringify({ subdomain: "example.com", txt: 5 }))).toMatchObject({
      status: 400,
      json: { field: "txt" },
    });
    expect(await post(JSON.stringify({ subdomain: "a b.example.com", txt: V1 }))).toMatchObject({
      status: 400,
      json: { field: "subdomain" },
    });
    const anonymous = await post(JSON.stringify({ subdomain: "example.com", txt: V1 }), {
      "Content-Type": "application/json",
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.message).toMatch(/X-Api-User and X-Api-Key/);
  });

  it("refuses /register by default with a 403 that says how accounts are made", async () => {
    const res = await fetch(`${url}/register`, { method: "POST", headers: { Accept: "application/json" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /Registration is disabled.*create-user/,
    );
  });

  it("with registration on, answers acme-dns's account JSON; the account can update exactly its name", async () => {
    // goacmedns without allowfrom: no body at all.
    const res = await fetch(`${registerUrl}/register`, {
      method: "POST",
      headers: { Accept: "application/json" },
    });
    expect(res.status).toBe(201);
    const account = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(account).sort()).toEqual([
      "allowfrom",
      "fulldomain",
      "password",
      "subdomain",
      "username",
    ]);
    const { username, password, subdomain, fulldomain } = account as Record<string, string>;
    expect(fulldomain).toBe(`_acme-challenge.${subdomain}.auth.example.net`);
    const goacmedns = CLIENTS[1] as ClientShape;
    const own = await update(
      registerUrl,
      goacmedns,
      [username as string, password as string],
      subdomain as string,
      V1,
    );
    // auth.example.net is in this store: the record is written where the CNAME points.
    expect(own.status).toBe(200);
    expect(values(fulldomain as string)).toEqual([V1]);
    const elsewhere = await update(
      registerUrl,
      goacmedns,
      [username as string, password as string],
      "example.com",
      V1,
    );
    expect(elsewhere.status).toBe(403);
    const restricted = await fetch(`${registerUrl}/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ allowfrom: ["192.0.2.0/24"] }),
    });
    expect(restricted.status).toBe(400);
  });

  it("a bare label under an APP_ACMEDNS_ZONE that is not in the repository is a 400 naming the variable", async () => {
    const app = createApp({
      db: t.db,
      store,
      logger: pino({ level: "silent" }),
      secretKey: undefined,
      acmedns: { zone: "missing.example.net", register: false },
    });
    const listening = await listenOnLoopback(app.express);
    try {
      await new Accounts(t.db.knex).allowDomains("certs", {
        domains: ["l1.missing.example.net"],
        subdomains: [],
      });
      const r = await update(listening.url, CLIENTS[1] as ClientShape, ["certs", "certs-password"], "l1", V1);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(
        /APP_ACMEDNS_ZONE \(missing\.example\.net\) is not a zone in the DNS repository/,
      );
    } finally {
      await listening.close();
    }
  });

  it("GET /health answers 200", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
