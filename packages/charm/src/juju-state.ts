import { AUDIT_RETENTION_DAYS } from "@httprequest-lego-provider/provider/audit-retention";
import { parseConfig } from "./config.js";
import { buildDashboard } from "./dashboard/dashboard.js";
import { HookToolError } from "./hookcmds/run.js";
import { lzmaBase64 } from "./lzma.js";
import * as grafana from "./relations/grafana.js";
import * as ingress from "./relations/ingress.js";
import * as loki from "./relations/loki.js";
import * as peer from "./relations/peer.js";
import * as postgresql from "./relations/postgresql.js";
import * as prometheus from "./relations/prometheus.js";
import { syncDatabag } from "./relations/sync.js";
import { CHARM_NAME, type Topology } from "./relations/topology.js";
import { readSshKeySecret } from "./ssh-key-secret.js";
import type { Deps, JujuState, RelationView } from "./state.js";
import { PORT } from "./workload.js";

/** The relation on an endpoint (first one; all ours have limit 1 in practice), minus one being broken. */
async function relationOn(
  deps: Deps,
  endpoint: string,
  needs: { units?: boolean; remoteApp?: boolean } = {},
): Promise<RelationView | undefined> {
  const { event, tools } = deps;
  const ids = await tools.relationIds(endpoint);
  const brokenId = event.kind === "relation" && event.phase === "broken" ? event.relationId : undefined;
  const id = ids.find((i) => i !== brokenId);
  if (!id) return undefined;
  // Every hook tool call is a round trip to the unit agent: list units only when needed.
  const fromEvent = event.kind === "relation" && event.relationId === id ? event.remoteApp : undefined;
  const wantApp = needs.remoteApp !== false && !fromEvent;
  const units = needs.units || wantApp ? await tools.relationList(id) : [];
  const remoteApp = fromEvent ?? (units[0] ? units[0].slice(0, units[0].indexOf("/")) : undefined);
  return { id, remoteApp, units };
}

async function address(deps: Deps, endpoint: string, relationId: string): Promise<string | undefined> {
  try {
    return await deps.tools.ingressAddress(endpoint, relationId);
  } catch (err) {
    if (err instanceof HookToolError) return undefined;
    throw err;
  }
}

/**
 * Reads config and every relation, publishes what this unit (and, as leader, the application)
 * offers on each relation, and returns what the workload needs. Idempotent.
 */
export async function gatherJujuState(deps: Deps): Promise<JujuState> {
  const { ctx, tools } = deps;
  const leader = await tools.isLeader();
  const parsed = parseConfig(await tools.configGet());
  const topology: Topology = {
    model: ctx.modelName,
    model_uuid: ctx.modelUuid,
    application: ctx.appName,
    unit: ctx.unitName,
    charm_name: CHARM_NAME,
  };
  const state: JujuState = {
    leader,
    config: parsed.ok
      ? parsed.config
      : { logLevel: "info", auditRetentionDays: AUDIT_RETENTION_DAYS.default },
    configProblems: parsed.ok ? [] : parsed.problems.map((p) => `${p.option} ${p.message}`),
    topology,
    peerAppData: {},
    peerUnitData: {},
    trustedProxies: [],
    lokiEndpoints: [],
  };
  // Only ssh remotes use a key: an https repository does not need the secret granted.
  const sshRemote = state.config.gitRepo?.transport === "ssh";
  if (sshRemote && state.config.gitSshKeySecret) {
    const read = await readSshKeySecret(deps, state.config.gitSshKeySecret);
    if ("key" in read) state.sshKey = read.key;
    else state.sshKeySecretProblem = read.problem;
  } else if (sshRemote && state.config.gitSshKey) state.sshKey = state.config.gitSshKey;

  // Peer relation: the shared secret key (generated once by the leader) and migration marker.
  const peerRel = await relationOn(deps, peer.ENDPOINT, { remoteApp: false });
  if (peerRel) {
    state.peer = peerRel;
    let appData = await tools.relationGet(peerRel.id, ctx.appName, true);
    if (leader) {
      const update = peer.secretKeyUpdate(appData);
      if (Object.keys(update).length > 0) {
        await tools.relationSet(peerRel.id, update, true);
        appData = { ...appData, ...update };
      }
    }
    state.peerAppData = appData;
    state.peerUnitData = await tools.relationGet(peerRel.id, ctx.unitName);
    if (appData[peer.SECRET_KEY]) state.secretKey = appData[peer.SECRET_KEY];
  }

  // postgresql: ask for the database; read endpoints and credentials (plain or in a secret).
  const pg = await relationOn(deps, postgresql.ENDPOINT);
  if (pg) {
    state.postgresql = pg;
    if (leader) await syncDatabag(tools, pg.id, ctx.appName, postgresql.requirerAppData(ctx.appName), true);
    if (pg.remoteApp) {
      let offer = postgresql.parseProviderAppData(await tools.relationGet(pg.id, pg.remoteApp, true));
      if (offer.secretUser) {
        try {
          offer = postgresql.withSecretCredentials(
            offer,
            await tools.secretGet(offer.secretUser, { refresh: true }),
          );
        } catch (err) {
          // Not granted (yet): the provider grants before publishing, but wait rather than fail.
          if (!(err instanceof HookToolError && err.kind === "secret-not-found")) throw err;
          await tools.jujuLog(
            "WARNING",
            `database credentials ${offer.secretUser} not readable yet: ${err.stderr.trim()}`,
          );
          offer = { ...(offer.endpoints ? { endpoints: offer.endpoints } : {}) };
        }
      }
      const url = postgresql.connectString(offer, ctx.appName);
      if (url) state.databaseUrl = url;
    }
  }

  // ingress: publish where we listen; the URL it gives back becomes APP_BASE_URL.
  const ing = await relationOn(deps, ingress.ENDPOINT, { units: true });
  if (ing) {
    if (leader) {
      await syncDatabag(
        tools,
        ing.id,
        ctx.appName,
        ingress.requirerAppData(ctx.appName, ctx.modelName, PORT),
        true,
      );
    }
    const ip = await address(deps, ingress.ENDPOINT, ing.id);
    const host = ingress.unitFqdn(ctx.unitName, ctx.appName, ctx.modelName);
    await syncDatabag(tools, ing.id, ctx.unitName, ingress.requirerUnitData(host, ip), false);
    // The proxy's own units: where its requests to us come from (docs/decisions/0315).
    for (const unit of ing.units) {
      state.trustedProxies.push(...ingress.proxySources(await tools.relationGet(ing.id, unit)));
    }
    state.trustedProxies = [...new Set(state.trustedProxies)].sort();
    if (ing.remoteApp) {
      const url = ingress.parseIngressUrl(await tools.relationGet(ing.id, ing.remoteApp, true));
      if (url) state.ingressUrl = url;
    }
  }

  // metrics-endpoint: a scrape job for /metrics on every unit.
  const metrics = await relationOn(deps, prometheus.ENDPOINT, { remoteApp: false });
  if (metrics) {
    if (leader)
      await syncDatabag(tools, metrics.id, ctx.appName, prometheus.providerAppData(topology, PORT), true);
    const ip = await address(deps, prometheus.ENDPOINT, metrics.id);
    await syncDatabag(tools, metrics.id, ctx.unitName, prometheus.providerUnitData(ctx.unitName, ip), false);
  }

  // grafana-dashboard: the provider's dashboard, compressed as the library expects.
  const dash = await relationOn(deps, grafana.ENDPOINT, { remoteApp: false });
  if (dash && leader) {
    const data = grafana.providerAppData(
      topology,
      { "httprequest-lego-provider.json": buildDashboard() },
      lzmaBase64,
    );
    await syncDatabag(tools, dash.id, ctx.appName, data, true);
  }

  // logging: Loki push endpoints become Pebble log targets.
  const logging = await relationOn(deps, loki.ENDPOINT, { units: true });
  if (logging) {
    if (leader) await syncDatabag(tools, logging.id, ctx.appName, loki.consumerAppData(topology), true);
    for (const unit of logging.units) {
      const endpoint = loki.parseLokiEndpoint(unit, await tools.relationGet(logging.id, unit));
      if (endpoint) state.lokiEndpoints.push(endpoint);
    }
  }
  return state;
}
