import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { type App, createApp } from "../../src/app.js";
import type { ChallengeEvent } from "../../src/challenge/challenge-event.js";
import type { Database } from "../../src/db/database.js";
import type { RecordStore } from "../../src/dns/record-store.js";

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly events: ChallengeEvent[];
  close(): Promise<void>;
}

/** The real app on a real socket on 127.0.0.1 with a random port. */
export async function startTestServer(
  db: Database,
  store: RecordStore,
  secretKey = "test-secret-key-0123456789",
): Promise<TestServer> {
  const events: ChallengeEvent[] = [];
  const app = createApp({
    db,
    store,
    logger: pino({ level: "silent" }),
    secretKey,
    observers: [{ onChallenge: (e) => events.push(e) }],
  });
  const listening = await listenOnLoopback(app.express);
  return { url: listening.url, app, events, close: listening.close };
}

/** Listens on 127.0.0.1 with a kernel-chosen port; `close` also drops kept-alive connections. */
export async function listenOnLoopback(
  handler: RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
