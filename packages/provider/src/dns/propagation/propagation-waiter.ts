/**
 * Waits, after a /present's change is pushed, until every authoritative server answers the TXT
 * query with the new value (APP_PROPAGATION_CHECK), or until APP_PROPAGATION_TIMEOUT. The change
 * is durable either way; the outcome says whether it was seen served, and by whom not.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { listNameServers } from "../zone-file.js";
import { authoritativeTxtQuery } from "./authoritative-txt-query.js";
import { type NotServed, type PollClock, PollLoop, type TxtQuery } from "./poll-loop.js";
import { type PropagationMetrics, propagationMetrics } from "./propagation-metrics.js";
import { DNS_PORT, type PropagationCheck, type ServerAddress } from "./propagation-setting.js";
import { type HostLookup, type ServerAddresses, ServerLookup, systemLookup } from "./server-lookup.js";

/** The zone file serving a name, for `auto` (its NS records name the servers). */
export interface ZoneSource {
  zoneOf(fqdn: string): Promise<{ readonly zone: string; readonly text: string } | undefined>;
}

export interface PropagationOutcome {
  /** Milliseconds spent waiting after the push. */
  readonly waitedMs: number;
  /** True when every server served the value. */
  readonly confirmed: boolean;
  /** Servers that did not, with what they answered. */
  readonly missing: readonly NotServed[];
  /** For the Warning header, the 504 body and the log; undefined when confirmed. */
  readonly message: string | undefined;
}

export interface PropagationWaiterOptions {
  readonly check: Exclude<PropagationCheck, { kind: "off" }>;
  readonly timeoutSeconds: number;
  /** A timeout is a 504 instead of a 200 with a Warning. */
  readonly strict: boolean;
  readonly logger: Logger;
  /** Required for `auto`. */
  readonly zones?: ZoneSource;
  readonly metrics?: Registry;
  readonly query?: TxtQuery;
  readonly lookup?: HostLookup;
  readonly clock?: PollClock;
}

const realClock: PollClock = {
  now: () => performance.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      // Unreferenced: a pending pause never keeps a stopping process alive.
      setTimeout(resolve, ms).unref();
    }),
};

export class PropagationWaiter {
  readonly strict: boolean;
  private readonly loop: PollLoop;
  private readonly servers: ServerLookup;
  private readonly clock: PollClock;
  private readonly metrics: PropagationMetrics;
  private readonly log: Logger;

  constructor(private readonly options: PropagationWaiterOptions) {
    if (options.check.kind === "auto" && options.zones === undefined) {
      throw new Error("APP_PROPAGATION_CHECK=auto needs the zone files (a git record store)");
    }
    this.strict = options.strict;
    this.clock = options.clock ?? realClock;
    this.loop = new PollLoop(options.query ?? authoritativeTxtQuery(), this.clock);
    this.servers = new ServerLookup(options.lookup ?? systemLookup, () => this.clock.now());
    this.metrics = propagationMetrics(options.metrics);
    this.log = options.logger.child({ component: "propagation-check" });
  }

  /** Call right after the store's present() resolved: the push is when the clock starts. */
  async waitFor(fqdn: string, value: string): Promise<PropagationOutcome> {
    const pushedAt = this.clock.now();
    const deadline = pushedAt + this.options.timeoutSeconds * 1000;
    const { servers, unresolved } = await this.serversFor(fqdn);
    const result =
      servers.length === 0
        ? { served: [], missing: [] }
        : await this.loop.waitFor({ fqdn, value, servers, pushedAt, deadline });
    for (const s of result.served) this.metrics.servedSeconds.observe({ server: s.server }, s.seconds);
    const missing = [...unresolved, ...result.missing];
    const waitedMs = this.clock.now() - pushedAt;
    if (missing.length === 0 && servers.length > 0) {
      return { waitedMs, confirmed: true, missing, message: undefined };
    }
    this.metrics.timeouts.inc();
    const message =
      missing.length === 0
        ? `The record is in the repository, but there is no authoritative server to check: ${await this.noServersReason(fqdn)}`
        : `The record is in the repository, but after ${(waitedMs / 1000).toFixed(1)} s not every authoritative server serves it: ${missing
            .map((m) => `${m.server} ${m.reason}`)
            .join("; ")}`;
    this.log.warn(
      { fqdn, servers: missing.map((m) => m.server), waitedMs: Math.round(waitedMs) },
      "propagation not confirmed: %s",
      message,
    );
    return { waitedMs, confirmed: false, missing, message };
  }

  /** Stopping: answers every waiting /present now (see PollLoop.close). */
  close(): void {
    this.loop.close();
  }

  private async serversFor(fqdn: string): Promise<ServerAddresses> {
    const { check } = this.options;
    if (check.kind === "servers") return this.servers.resolve(check.servers);
    const zone = await this.options.zones?.zoneOf(fqdn);
    if (zone === undefined) return { servers: [], unresolved: [] };
    const names: ServerAddress[] = listNameServers(zone.text, zone.zone).map((host) => ({
      host,
      port: DNS_PORT,
    }));
    return this.servers.resolve(names);
  }

  private async noServersReason(fqdn: string): Promise<string> {
    const zone = await this.options.zones?.zoneOf(fqdn);
    return zone === undefined
      ? `no zone file covers ${fqdn}`
      : `the zone file of ${zone.zone} has no NS records (APP_PROPAGATION_CHECK=auto)`;
  }
}
