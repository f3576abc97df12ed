import type { CharmConfig } from "./config.js";
import type { JujuContext } from "./context.js";
import type { CharmEvent } from "./event.js";
import type { Databag, HookTools } from "./hookcmds/tools.js";
import type { PebbleClient } from "./pebble/client.js";
import type { Topology } from "./relations/topology.js";

/** What every handler gets: the context, the event, and the two clients. */
export interface Deps {
  ctx: JujuContext;
  event: CharmEvent;
  tools: HookTools;
  pebble: PebbleClient;
}

/** A relation as seen in this dispatch (a relation being broken is left out). */
export interface RelationView {
  id: string;
  remoteApp: string | undefined;
  units: string[];
}

/** Everything gathered from Juju before touching the workload. */
export interface JujuState {
  leader: boolean;
  config: CharmConfig;
  configProblems: string[];
  topology: Topology;
  peer?: RelationView;
  peerAppData: Databag;
  /** This unit's own peer databag (its migration marker). */
  peerUnitData: Databag;
  secretKey?: string;
  /** The private key for an ssh remote, from git-ssh-key-secret or else git-ssh-key. */
  sshKey?: string;
  /** Why git-ssh-key-secret cannot be used, naming what to run. */
  sshKeySecretProblem?: string;
  /** Addresses (CIDRs) the ingress proxy's requests come from, for APP_TRUSTED_PROXIES. */
  trustedProxies: string[];
  postgresql?: RelationView;
  databaseUrl?: string;
  ingressUrl?: string;
  lokiEndpoints: { unit: string; url: string }[];
}
