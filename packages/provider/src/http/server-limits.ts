import { createServer, type RequestListener, type Server } from "node:http";

/**
 * Socket limits of the HTTP server (docs/decisions/0713). Only the time a client takes to *send*
 * its request is bounded: a /present that waits seconds for a git push under load is the
 * server's time and is never cut.
 */

/** Headers must be complete this long after the first byte (slowloris senders are dropped). */
export const HEADERS_TIMEOUT_MS = 15_000;
/** The whole request, body included (bodies are at most 64 KiB), must arrive within this. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * An idle kept-alive connection is closed after this. Longer than the 60 s idle timeout of common
 * reverse proxies and load balancers, so the proxy closes first and never races a reused socket.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let a slow client stay). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Open sockets beyond this are refused at accept: a flood cannot exhaust file descriptors. */
export const MAX_CONNECTIONS = 1_024;
/** Requests answered on one kept-alive connection before it is closed (spreads load on restarts). */
export const MAX_REQUESTS_PER_SOCKET = 1_000;

/** An HTTP server for `listener` with the limits above. */
export function createLimitedServer(listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    listener,
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
  return server;
}
