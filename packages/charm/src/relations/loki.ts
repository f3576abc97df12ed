import type { LogTargetSpec } from "../pebble/types.js";
import type { Topology } from "./topology.js";

/** loki_push_api, consumer side (canonical/loki-k8s-operator loki_push_api.py v1, LogForwarder). */
export const ENDPOINT = "logging";
/** Prefix of our log-target names, so stale ones can be recognised in the plan. */
export const TARGET_PREFIX = "loki-";

export interface LokiEndpoint {
  unit: string;
  url: string;
}

/** The push URL a Loki unit published in its unit databag (`endpoint` = JSON `{url}`). */
export function parseLokiEndpoint(unit: string, data: Record<string, string>): LokiEndpoint | undefined {
  if (!data.endpoint) return undefined;
  try {
    const value = JSON.parse(data.endpoint) as unknown;
    const url =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>).url : undefined;
    return typeof url === "string" && /^https?:\/\//.test(url) ? { unit, url } : undefined;
  } catch {
    return undefined;
  }
}

export function consumerAppData(topology: Topology): Record<string, string> {
  return { metadata: JSON.stringify(topology), alert_rules: JSON.stringify({ groups: [] }) };
}

export function targetName(unit: string): string {
  return `${TARGET_PREFIX}${unit.replace("/", "-")}`;
}

/**
 * Pebble log targets: one per Loki unit; stale ones (in `current`, name -> location) are switched
 * off with `services: [-all]`, keeping their location, as LogForwarder does.
 */
export function logTargets(
  endpoints: readonly LokiEndpoint[],
  topology: Topology,
  current: Readonly<Record<string, string>>,
): Record<string, LogTargetSpec> {
  const targets: Record<string, LogTargetSpec> = {};
  for (const { unit, url } of endpoints) {
    targets[targetName(unit)] = {
      override: "replace",
      type: "loki",
      location: url,
      services: ["all"],
      labels: {
        product: "Juju",
        charm: topology.charm_name,
        juju_model: topology.model,
        juju_model_uuid: topology.model_uuid,
        juju_application: topology.application,
        juju_unit: topology.unit,
      },
    };
  }
  for (const [name, location] of Object.entries(current)) {
    if (name.startsWith(TARGET_PREFIX) && !targets[name]) {
      targets[name] = { override: "replace", type: "loki", location, services: ["-all"] };
    }
  }
  return targets;
}
