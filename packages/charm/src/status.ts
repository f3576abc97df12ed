import { type CheckFailure, checkFailureMessage } from "./check-failure.js";
import type { StatusName } from "./hookcmds/tools.js";

/** What reconcile found out, in the order it matters to an operator. */
export interface Facts {
  configProblems: string[];
  missingConfig: string[];
  postgresqlRelated: boolean;
  pebbleReady: boolean;
  peerRelated: boolean;
  secretKeyReady: boolean;
  databaseReady: boolean;
  /** Every unit migrates for itself; none waits for another (docs/decisions/0310). */
  migration: "done" | "failed" | "not-run";
  migrationError?: string;
  serviceActive: boolean;
  serviceError?: string;
  hostKeyError?: string;
  /** git-ssh-key-secret cannot be read or holds no usable key. */
  sshKeySecretProblem?: string;
  /** Set when the host key was trusted on first use: the message naming its fingerprint. */
  hostKeyTrust?: string;
  /** Pebble checks that are down (alive first), with Pebble's reason. */
  failingChecks?: CheckFailure[];
}

export interface Status {
  name: StatusName;
  message: string;
}

/**
 * Blocked names everything the operator must fix (config, missing relation); waiting covers what
 * Juju or the workload will deliver by itself; active otherwise. Pure.
 */
export function decideStatus(f: Facts): Status {
  if (f.configProblems.length > 0)
    return { name: "blocked", message: `Invalid config: ${f.configProblems.join("; ")}` };
  const missing = [
    ...f.missingConfig.map((o) => `config ${o}`),
    ...(f.postgresqlRelated ? [] : ["postgresql relation"]),
  ];
  if (missing.length > 0) return { name: "blocked", message: `Missing ${missing.join(", ")}` };
  if (f.sshKeySecretProblem) return { name: "blocked", message: f.sshKeySecretProblem };
  if (!f.peerRelated) return { name: "waiting", message: "Waiting for peer relation secret-storage" };
  if (!f.secretKeyReady)
    return { name: "waiting", message: "Waiting for the leader to generate the secret key" };
  if (!f.databaseReady)
    return { name: "waiting", message: "Waiting for database credentials from postgresql" };
  if (!f.pebbleReady) return { name: "waiting", message: "Waiting for Pebble in workload container app" };
  if (f.hostKeyError) return { name: "blocked", message: f.hostKeyError };
  if (f.migration === "failed") {
    return {
      name: "blocked",
      message: `Database migration failed, retried on the next event: ${f.migrationError ?? "see juju debug-log"}`,
    };
  }
  if (f.serviceError) return { name: "blocked", message: `Service failed to start: ${f.serviceError}` };
  if (!f.serviceActive) return { name: "maintenance", message: "Starting the service" };
  // Running but failing its checks: Kubernetes sends it no traffic; Pebble's reason says why.
  const [failing] = f.failingChecks ?? [];
  if (failing) return { name: "blocked", message: checkFailureMessage(failing) };
  // Active either way; the message makes trust on first use visible until the key is pinned.
  return { name: "active", message: f.hostKeyTrust ?? "" };
}
