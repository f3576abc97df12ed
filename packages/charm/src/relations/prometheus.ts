import type { Topology } from "./topology.js";

/** prometheus_scrape, provider side (canonical/prometheus-k8s-operator prometheus_scrape.py v0). */
export const ENDPOINT = "metrics-endpoint";

export function providerAppData(topology: Topology, port: number): Record<string, string> {
  const jobs = [
    {
      job_name: "httprequest-lego-provider",
      metrics_path: "/metrics",
      static_configs: [{ targets: [`*:${port}`] }],
    },
  ];
  return {
    scrape_jobs: JSON.stringify(jobs),
    scrape_metadata: JSON.stringify(topology),
    alert_rules: JSON.stringify({ groups: [] }),
  };
}

export function providerUnitData(unitName: string, address: string | undefined): Record<string, string> {
  return {
    prometheus_scrape_unit_name: unitName,
    ...(address ? { prometheus_scrape_unit_address: address } : {}),
    prometheus_scrape_unit_path: "",
  };
}
