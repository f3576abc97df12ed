/** Free loopback ports, asked of the kernel (inside a fresh namespace nothing else competes). */
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port from the kernel");
  return address.port;
}

export interface Ports {
  readonly dns: number;
  readonly rndc: number;
  readonly acme: number;
  readonly pebbleManagement: number;
  readonly provider: number;
}

export async function allocatePorts(): Promise<Ports> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return Object.freeze({
    dns: await next(),
    rndc: await next(),
    acme: await next(),
    pebbleManagement: await next(),
    provider: await next(),
  });
}
