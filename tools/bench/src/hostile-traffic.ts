/**
 * The hostile mix of `pnpm bench:hostile`: attacker loops from several loopback source addresses
 * and one real client from its own, each request on a fresh connection so that the source
 * address is the one the service sees.
 */
import { request } from "node:http";

/** Status 0 stands for a request that got no HTTP answer (reset, refused, timed out). */
export type StatusCounts = Map<number, number>;

export interface RealClientResult {
  readonly ok: number;
  readonly failed: number;
  /** Failures by status, to tell a 429 from a 5xx. */
  readonly failedByStatus: StatusCounts;
  readonly latenciesMs: readonly number[];
}

const ATTACKER_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${2 + i}`);
export const REAL_CLIENT_ADDRESS = "127.0.0.20";
const REAL_CLIENT_INTERVAL_MS = 250;
const FQDN = "_acme-challenge.x.example.test.";

interface Shot {
  readonly from: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

function send(baseUrl: string, shot: Shot): Promise<{ status: number; ms: number }> {
  const url = new URL(shot.path, baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error("the bench only talks to 127.0.0.1");
  const start = performance.now();
  return new Promise((resolve) => {
    const done = (status: number): void => resolve({ status, ms: performance.now() - start });
    const req = request(
      url,
      {
        method: "POST",
        localAddress: shot.from,
        agent: false,
        timeout: 30_000,
        headers: { ...shot.headers, "content-length": String(Buffer.byteLength(shot.body)) },
      },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
        res.on("error", () => done(0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(0));
    req.end(shot.body);
  });
}

/** The n-th request of attacker `i`: the four kinds in turn, with rotating forged XFF. */
function attack(i: number, n: number): Shot {
  const from = ATTACKER_ADDRESSES[i % ATTACKER_ADDRESSES.length] as string;
  const json = { "content-type": "application/json" };
  switch (n % 4) {
    case 0:
      return {
        from,
        path: "/present",
        headers: {
          ...json,
          authorization: basic("alice", `wrong-${n}`),
          "x-forwarded-for": `10.0.${n % 250}.${i}`,
        },
        body: JSON.stringify({ fqdn: FQDN, value: "attacker" }),
      };
    case 1:
      return {
        from,
        path: "/api/v1/auth/token/",
        headers: { ...json, "x-forwarded-for": `10.1.${n % 250}.${i}` },
        body: JSON.stringify({ username: `${"u".repeat(60_000)}${n}`, password: "p" }),
      };
    case 2:
      return { from, path: "/api/v1/auth/token/", headers: json, body: '{"username": "alice", "password": ' };
    default:
      return {
        from,
        path: "/present",
        headers: { ...json, authorization: basic(`nobody${n}-${i}`, "x") },
        body: "{}",
      };
  }
}

export async function attacker(
  baseUrl: string,
  i: number,
  until: number,
  counts: StatusCounts,
): Promise<void> {
  for (let n = 0; Date.now() < until; n += 1) {
    const { status } = await send(baseUrl, attack(i, n));
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
}

/** A renewing client with the right password: one present every 250 ms, values rotating. */
export async function realClient(
  baseUrl: string,
  password: string,
  until: number,
  counts: StatusCounts,
): Promise<RealClientResult> {
  let ok = 0;
  const failedByStatus: StatusCounts = new Map();
  const latenciesMs: number[] = [];
  for (let n = 0; Date.now() < until; n += 1) {
    const { status, ms } = await send(baseUrl, {
      from: REAL_CLIENT_ADDRESS,
      path: "/present",
      headers: { "content-type": "application/json", authorization: basic("alice", password) },
      body: JSON.stringify({ fqdn: FQDN, value: `real-${n % 3}` }),
    });
    counts.set(status, (counts.get(status) ?? 0) + 1);
    latenciesMs.push(ms);
    if (status === 200) ok += 1;
    else failedByStatus.set(status, (failedByStatus.get(status) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, REAL_CLIENT_INTERVAL_MS));
  }
  const failed = [...failedByStatus.values()].reduce((a, b) => a + b, 0);
  return { ok, failed, failedByStatus, latenciesMs };
}
