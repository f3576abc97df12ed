import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  TIMEOUT_CHECK_INTERVAL_MS,
} from "../../src/http/server-limits.js";
import { basic, type RunningFixture, START_TIMEOUT_MS, startService, USER } from "./http-service.js";

/** Opens a socket and trickles `head` then `drip` one byte every `everyMs`; resolves when the server closes it. */
function trickle(
  port: number,
  head: string,
  drip: string,
  everyMs: number,
): Promise<{ afterMs: number; received: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.4" });
    let received = "";
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.writable) return;
      socket.write(drip[i % drip.length] ?? "x");
      i += 1;
    }, everyMs);
    socket.on("data", (c: Buffer) => {
      received += c.toString();
    });
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, received });
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // The server may reset a socket it gives up on while we are still writing.
      if (err.code !== "ECONNRESET" && err.code !== "EPIPE") reject(err);
    });
    socket.write(head);
  });
}

describe("server socket limits", () => {
  let t: RunningFixture;
  beforeAll(async () => {
    t = await startService("postgresql");
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  it(
    "drops a slowloris client that never finishes its headers, and one that trickles its body",
    async () => {
      const margin = TIMEOUT_CHECK_INTERVAL_MS + 4_000;
      const [headers, body] = await Promise.all([
        trickle(t.svc.port, "POST /present HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: aaaa\r\n", 1_000),
        trickle(
          t.svc.port,
          `POST /present HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(USER.username, USER.password)}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`,
          " ",
          1_000,
        ),
      ]);
      expect(headers.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 1_000);
      expect(headers.afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + margin);
      expect(body.afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 1_000);
      expect(body.afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + margin);
      // Node answers 408 where it still can; either way the socket is gone.
      for (const r of [headers, body])
        expect(r.received === "" || r.received.startsWith("HTTP/1.1 408")).toBe(true);
    },
    REQUEST_TIMEOUT_MS + 20_000,
  );

  it("does not cut a client that is slow but within the limits", async () => {
    const record = JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "slow-but-fine" });
    const socket = connect({ host: "127.0.0.1", port: t.svc.port, localAddress: "127.0.0.4" });
    const received = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (c: Buffer) => {
        text += c.toString();
        if (/\r\n\r\n[\s\S]*\}/.test(text)) resolve(text);
      });
    });
    socket.write(
      `POST /present HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(USER.username, USER.password)}\r\nContent-Type: application/json\r\nContent-Length: ${record.length}\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    socket.write(record);
    const text = await received;
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    // Kept-alive sockets are closed when idle; clients are told how long they may keep one.
    expect(text).toContain(`Keep-Alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
  }, 60_000);
});
