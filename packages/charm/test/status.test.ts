import { describe, expect, it } from "vitest";
import { decideStatus, type Facts } from "../src/status.js";

const READY: Facts = {
  configProblems: [],
  missingConfig: [],
  postgresqlRelated: true,
  pebbleReady: true,
  peerRelated: true,
  secretKeyReady: true,
  databaseReady: true,
  migration: "done",
  serviceActive: true,
};

describe("decideStatus", () => {
  it.each<[string, Partial<Facts>, string, string]>([
    ["all good", {}, "active", ""],
    [
      "bad config wins over everything",
      { configProblems: ["log-level must be one of x"], pebbleReady: false },
      "blocked",
      "Invalid config: log-level must be one of x",
    ],
    [
      "missing config and relation named together",
      { missingConfig: ["git-repo", "git-ssh-key"], postgresqlRelated: false },
      "blocked",
      "Missing config git-repo, config git-ssh-key, postgresql relation",
    ],
    [
      "missing relation only",
      { postgresqlRelated: false, databaseReady: false },
      "blocked",
      "Missing postgresql relation",
    ],
    [
      "no peer relation yet",
      { peerRelated: false, secretKeyReady: false },
      "waiting",
      "Waiting for peer relation secret-storage",
    ],
    [
      "no secret key yet",
      { secretKeyReady: false },
      "waiting",
      "Waiting for the leader to generate the secret key",
    ],
    [
      "relation without credentials",
      { databaseReady: false },
      "waiting",
      "Waiting for database credentials from postgresql",
    ],
    ["Pebble not up", { pebbleReady: false }, "waiting", "Waiting for Pebble in workload container app"],
    [
      "host key unknown",
      { hostKeyError: "ssh-keyscan found no host key for h:22" },
      "blocked",
      "ssh-keyscan found no host key for h:22",
    ],
    [
      "migration failed",
      { migration: "failed", migrationError: "connection refused" },
      "blocked",
      "Database migration failed, retried on the next event: connection refused",
    ],
    [
      "secret option not granted (before any workload check)",
      { sshKeySecretProblem: "grant it", pebbleReady: false },
      "blocked",
      "grant it",
    ],
    [
      "host key trusted on first use: active, and says so",
      { hostKeyTrust: "Trusting scanned host key of h:22 (ED25519 SHA256:x); pin it with git-known-hosts" },
      "active",
      "Trusting scanned host key of h:22 (ED25519 SHA256:x); pin it with git-known-hosts",
    ],
    [
      "service failed",
      { serviceError: "exited quickly", serviceActive: false },
      "blocked",
      "Service failed to start: exited quickly",
    ],
    ["service still starting", { serviceActive: false }, "maintenance", "Starting the service"],
    [
      "readiness down: blocked with Pebble's reason, even over a trusted-on-first-use note",
      {
        failingChecks: [
          { name: "readyz", level: "ready", reason: "non-2xx status code 503; git unreachable" },
        ],
        hostKeyTrust: "Trusting scanned host key of h:22",
      },
      "blocked",
      "Service not ready, check readyz: non-2xx status code 503; git unreachable",
    ],
    [
      "liveness down too: the dead process is named first",
      {
        failingChecks: [
          { name: "healthz", level: "alive", reason: "check timed out after 3s" },
          { name: "readyz", level: "ready", reason: "check timed out after 5s" },
        ],
      },
      "blocked",
      "Service not alive, check healthz: check timed out after 3s",
    ],
    ["no check down", { failingChecks: [] }, "active", ""],
  ])("%s", (_, overrides, name, message) => {
    expect(decideStatus({ ...READY, ...overrides })).toEqual({ name, message });
  });
});
