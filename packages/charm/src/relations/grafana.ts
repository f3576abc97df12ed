import { createHash } from "node:crypto";
import type { Topology } from "./topology.js";

/** grafana_dashboard, provider side (canonical/grafana-k8s-operator grafana_dashboard.py v0). */
export const ENDPOINT = "grafana-dashboard";

/**
 * `dashboards` app-databag value: templates keyed `file:<name>`, content LZMA-compressed and
 * base64-encoded (cosl LZMABase64). `uuid` is derived from the content so that republishing the
 * same dashboard changes nothing (the library uses a random one to force an event).
 */
export function providerAppData(
  topology: Topology,
  dashboards: Record<string, string>,
  compress: (text: string) => string,
): Record<string, string> {
  const templates: Record<string, unknown> = {};
  const hash = createHash("sha256");
  for (const [name, json] of Object.entries(dashboards).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name).update(json);
    templates[`file:${name}`] = {
      charm: topology.charm_name,
      content: compress(json),
      juju_topology: {
        model: topology.model,
        model_uuid: topology.model_uuid,
        application: topology.application,
        unit: topology.unit,
      },
      inject_dropdowns: true,
    };
  }
  const h = hash.digest("hex");
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return { dashboards: JSON.stringify({ templates, uuid }) };
}
