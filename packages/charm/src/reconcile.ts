import { failingChecks } from "./check-status.js";
import { missingConfig } from "./config.js";
import { isRemoval } from "./event.js";
import { withFilesDigest } from "./files-digest.js";
import { hostKeyFingerprints, trustMessage } from "./host-key.js";
import { gatherJujuState } from "./juju-state.js";
import { desiredEnvironment, desiredLayer, planSatisfies } from "./layer.js";
import { PebbleChangeError, PebbleConnectionError, PebbleTimeoutError } from "./pebble/errors.js";
import * as loki from "./relations/loki.js";
import * as peer from "./relations/peer.js";
import type { Deps, JujuState } from "./state.js";
import { decideStatus, type Facts, type Status } from "./status.js";
import { LAYER_LABEL, PORT, SERVICE } from "./workload.js";
import {
  ensureSshFiles,
  HostKeyError,
  migrationFingerprint,
  runMigrations,
  workloadVersion,
} from "./workload-sync.js";

export interface Outcome {
  status: Status;
  /** Absent on teardown, where nothing is read. */
  state?: JujuState;
  /** The service environment, when everything it needs is known. */
  environment?: Record<string, string>;
  pebbleReady: boolean;
}

function isNotReady(err: unknown): boolean {
  return err instanceof PebbleConnectionError || err instanceof PebbleTimeoutError;
}

/** The service's environment if config, secret key and database are all there. */
export function environmentFor(state: JujuState): Record<string, string> | undefined {
  if (state.configProblems.length > 0 || missingConfig(state.config).length > 0) return undefined;
  if (!state.secretKey || !state.databaseUrl || state.sshKeySecretProblem) return undefined;
  return desiredEnvironment({
    config: state.config,
    secretKey: state.secretKey,
    databaseUrl: state.databaseUrl,
    ...(state.ingressUrl ? { baseUrl: state.ingressUrl, trustedProxies: state.trustedProxies } : {}),
  });
}

/**
 * One pass over the whole desired state: Juju side (relations), then the workload (files,
 * migrations, layer, replan), then status. Safe to run on every event; changes nothing that is
 * already right.
 */
export async function reconcile(deps: Deps): Promise<Outcome> {
  const { tools, pebble, event } = deps;
  if (isRemoval(event)) {
    // Nothing to converge while going away, and a failing hook here would hold up the removal.
    const status: Status = { name: "maintenance", message: "Unit is being removed" };
    await tools.statusSet(status.name, status.message);
    return { status, pebbleReady: false };
  }
  const state = await gatherJujuState(deps);
  const facts: Facts = {
    configProblems: state.configProblems,
    missingConfig: missingConfig(state.config),
    postgresqlRelated: state.postgresql !== undefined,
    pebbleReady: false,
    peerRelated: state.peer !== undefined,
    secretKeyReady: state.secretKey !== undefined,
    databaseReady: state.databaseUrl !== undefined,
    migration: "not-run",
    serviceActive: false,
    ...(state.sshKeySecretProblem ? { sshKeySecretProblem: state.sshKeySecretProblem } : {}),
  };
  const environment = environmentFor(state);
  let pebbleReady = false;
  try {
    await pebble.systemInfo();
    pebbleReady = true;
  } catch (err) {
    if (!isNotReady(err)) throw err;
    await tools.jujuLog("INFO", `workload not reachable yet: ${(err as Error).message}`);
  }
  facts.pebbleReady = pebbleReady;

  if (pebbleReady && environment && state.secretKey && state.databaseUrl) {
    try {
      await converge(deps, state, environment, facts);
    } catch (err) {
      if (!isNotReady(err)) throw err;
      facts.pebbleReady = false;
      pebbleReady = false;
      await tools.jujuLog("WARNING", `workload went away during reconcile: ${(err as Error).message}`);
    }
  }
  const status = decideStatus(facts);
  await tools.statusSet(status.name, status.message);
  if (state.leader) await tools.statusSet(status.name, status.message, true);
  return { status, state, ...(environment ? { environment } : {}), pebbleReady };
}

async function converge(
  deps: Deps,
  state: JujuState,
  environment: Record<string, string>,
  facts: Facts,
): Promise<void> {
  const { tools, pebble } = deps;
  let files: Record<string, string>;
  try {
    const ssh = await ensureSshFiles(pebble, state.config, state.sshKey);
    files = ssh.files;
    const scanned = ssh.scanned;
    if (scanned) {
      const keys = hostKeyFingerprints(scanned.knownHosts);
      facts.hostKeyTrust = trustMessage(scanned.host, scanned.port, keys);
      if (scanned.fresh) {
        const all = keys.map((k) => `${k.type} ${k.fingerprint}`).join(", ");
        await tools.jujuLog(
          "WARNING",
          `trusting the host keys ssh-keyscan returned for ${scanned.host}:${scanned.port} (${all}); set git-known-hosts to pin them`,
        );
      }
    }
  } catch (err) {
    if (!(err instanceof HostKeyError)) throw err;
    facts.hostKeyError = err.message;
    return;
  }

  const version = await workloadVersion(pebble);
  await tools.applicationVersionSet(version);

  // Every unit migrates for itself before (re)starting its service, once per database and
  // workload version: migrations are idempotent and knex serialises concurrent runs with its
  // lock, so no unit waits for another (docs/decisions/0310).
  const fingerprint = migrationFingerprint(state.secretKey ?? "", state.databaseUrl ?? "", version);
  if (state.peerUnitData[peer.MIGRATION_KEY] === fingerprint) facts.migration = "done";
  else {
    await tools.statusSet("maintenance", "Migrating the database");
    const error = await runMigrations(pebble, environment);
    if (error) {
      facts.migration = "failed";
      facts.migrationError = error;
      await tools.jujuLog("ERROR", `database migration failed: ${error}`);
    } else {
      if (state.peer) await tools.relationSet(state.peer.id, { [peer.MIGRATION_KEY]: fingerprint });
      facts.migration = "done";
    }
  }
  if (facts.migration !== "done") return;

  // Layer and replan only when the plan lacks something; start the service if it is not running.
  const plan = await pebble.getPlan();
  const layer = desiredLayer(
    // A rotated key or host key changes the digest, so the replan below restarts the service.
    withFilesDigest(environment, files),
    loki.logTargets(
      state.lokiEndpoints,
      state.topology,
      Object.fromEntries(Object.entries(plan["log-targets"] ?? {}).map(([name, t]) => [name, t.location])),
    ),
  );
  try {
    if (!planSatisfies(plan, layer)) {
      await tools.statusSet("maintenance", "Updating the service");
      await pebble.addLayer(LAYER_LABEL, layer, true);
      await pebble.replan();
    } else {
      const [info] = await pebble.getServices([SERVICE]);
      if (info?.current !== "active") await pebble.replan();
    }
  } catch (err) {
    if (!(err instanceof PebbleChangeError)) throw err;
    facts.serviceError = err.err;
  }
  const [info] = await pebble.getServices([SERVICE]);
  facts.serviceActive = info?.current === "active";
  // Juju runs <container>-pebble-check-failed/-recovered when a check crosses its threshold.
  if (facts.serviceActive) facts.failingChecks = await failingChecks(pebble);
  await tools.openPort(PORT);
}
