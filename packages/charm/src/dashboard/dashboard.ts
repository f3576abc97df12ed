import { PANELS, type PanelSpec } from "./queries.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax, not a JS template
const PROMETHEUS = { type: "prometheus", uid: "${prometheusds}" };

/** Grafana dashboard JSON (schema 39) built from PANELS: two time-series panels per row. */
export function buildDashboard(panels: readonly PanelSpec[] = PANELS): string {
  const dashboard = {
    title: "httprequest-lego-provider",
    uid: "hlp-overview",
    editable: true,
    schemaVersion: 39,
    tags: ["httprequest-lego-provider", "acme"],
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: { list: [] },
    panels: panels.map((panel, index) => ({
      id: index + 1,
      type: "timeseries",
      title: panel.title,
      datasource: PROMETHEUS,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
      targets: panel.queries.map((q, i) => ({
        refId: String.fromCharCode(65 + i),
        expr: q.expr,
        legendFormat: q.legend,
        datasource: PROMETHEUS,
      })),
    })),
  };
  return JSON.stringify(dashboard, null, 2);
}
