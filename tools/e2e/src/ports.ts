/** Free loopback ports, asked of the kernel (inside a fresh namespace nothing else competes). */
import { freePort } from "@httprequest-lego-provider/free-port";

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
