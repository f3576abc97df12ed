import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FailureAggregator,
  MAX_FAILURE_ROWS_PER_WINDOW,
  MAX_USERNAMES_PER_CLIENT,
  OTHER_CLIENTS,
  OTHER_USERNAMES,
} from "../../src/audit/failure-aggregator.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { loopbackRequest } from "../helpers/service-process.js";
import { ADMIN, type RunningFixture, START_TIMEOUT_MS, startService } from "./http-service.js";

interface AuditRow {
  actor: string | null;
  client: string | null;
  count: number;
  status: number | null;
  action: string;
}

/** Sends `n` requests, `parallel` at a time. */
async function flood(n: number, parallel: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

const sum = (rows: readonly AuditRow[]) => rows.reduce((n, r) => n + r.count, 0);

describe("the aggregation itself", () => {
  const failure = (client: string, actor: string) => ({
    occurredAt: new Date(0),
    kind: "challenge" as const,
    source: "http" as const,
    actor,
    action: "present",
    target: null,
    fqdn: null,
    outcome: "unauthenticated",
    status: 401,
    commitId: null,
    durationMs: 1,
    detail: "Invalid username or password",
    client,
  });

  it("keeps at most the capped number of rows per window however many clients and names it sees", () => {
    const a = new FailureAggregator(60_000);
    for (let i = 0; i < 100_000; i++) a.add(failure(`10.0.${i % 5000}.1`, `user${i}`), 1_000);
    expect(a.size).toBeLessThanOrEqual(MAX_FAILURE_ROWS_PER_WINDOW + 1);
    expect(a.take(59_999)).toEqual([]);
    const rows = a.take(60_000);
    expect(rows.reduce((n, r) => n + (r.count ?? 1), 0)).toBe(100_000);
    expect(rows.some((r) => r.client === OTHER_CLIENTS && r.actor === OTHER_USERNAMES)).toBe(true);
    expect(a.size).toBe(0);
  });

  it("gives one client its own rows for a few names, then one row for the rest", () => {
    const a = new FailureAggregator(60_000);
    for (let i = 0; i < 1_000; i++) a.add(failure("192.0.2.1", `name${i}`), 5);
    const rows = a.take();
    expect(rows).toHaveLength(MAX_USERNAMES_PER_CLIENT + 1);
    expect(rows.find((r) => r.actor === OTHER_USERNAMES)?.count).toBe(1_000 - MAX_USERNAMES_PER_CLIENT);
  });
});

describe.each(DATABASE_KINDS)("anonymous failures on %s", (kind) => {
  let t: RunningFixture;
  beforeAll(async () => {
    t = await startService(kind);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  const record = JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "v" });
  const json = { "content-type": "application/json" };

  it("are counted per client and username instead of one row each, and the count is shown", async () => {
    const url = t.svc.url;
    // One brute force against one name (401s, then 429s once the limiter steps in)...
    await flood(150, 8, () =>
      loopbackRequest(`${url}/present`, {
        from: "127.0.0.5",
        auth: { username: "alice", password: "guess" },
        body: record,
        headers: json,
      }),
    );
    // ...one spraying many names...
    await flood(40, 8, (i) =>
      loopbackRequest(`${url}/present`, {
        from: "127.0.0.6",
        auth: { username: `spray${i}`, password: "guess" },
        body: record,
        headers: json,
      }),
    );
    // ...and failed logins on the admin pages.
    const form = { "content-type": "application/x-www-form-urlencoded", cookie: "hlp_admin_login_csrf=tok" };
    await flood(20, 4, () =>
      loopbackRequest(`${url}/admin/login`, {
        from: "127.0.0.7",
        body: "csrf_token=tok&username=nobody&password=guess",
        headers: form,
      }),
    );

    const audit = async (query: string) => {
      const r = await loopbackRequest(`${url}/api/v1/audit/?page_size=500&${query}`, {
        from: "127.0.0.3",
        auth: ADMIN,
      });
      expect(r.status, r.body).toBe(200);
      return (JSON.parse(r.body) as { results: AuditRow[] }).results;
    };
    const challenges = await audit("kind=challenge&outcome=unauthenticated");
    const brute = challenges.filter((r) => r.client === "127.0.0.5");
    expect(sum(brute)).toBe(150);
    // 401 and 429 rows, in at most two windows.
    expect(brute.length).toBeLessThanOrEqual(4);
    expect(brute.every((r) => r.actor === "alice")).toBe(true);
    const spray = challenges.filter((r) => r.client === "127.0.0.6");
    expect(sum(spray)).toBe(40);
    expect(spray.length).toBeLessThanOrEqual(2 * (MAX_USERNAMES_PER_CLIENT + 1) * 2);
    expect(spray.some((r) => r.actor === OTHER_USERNAMES)).toBe(true);
    const logins = (await audit("kind=admin&action=session.login&outcome=denied")).filter(
      (r) => r.client === "127.0.0.7",
    );
    expect(sum(logins)).toBe(20);
    expect(logins.length).toBeLessThanOrEqual(4);

    // The activity page shows the count.
    const login = await loopbackRequest(`${url}/admin/login`, {
      from: "127.0.0.3",
      body: `csrf_token=tok&username=root&password=${encodeURIComponent(ADMIN.password)}`,
      headers: form,
    });
    expect(login.status).toBe(303);
    const session = [login.headers["set-cookie"] ?? []]
      .flat()
      .map((c) => /^(hlp_admin_session=[^;]+)/.exec(c)?.[1])
      .find(Boolean);
    const page = await loopbackRequest(`${url}/admin/activity?kind=challenge&outcome=unauthenticated`, {
      from: "127.0.0.3",
      headers: { cookie: session ?? "" },
    });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/× \d+ attempts from 127\.0\.0\.5/);
  }, 180_000);
});
