import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildDashboard } from "../src/dashboard/dashboard.js";
import { PANELS } from "../src/dashboard/queries.js";
import { lzmaBase64 } from "../src/lzma.js";
import * as grafana from "../src/relations/grafana.js";
import * as ingress from "../src/relations/ingress.js";
import * as loki from "../src/relations/loki.js";
import * as peer from "../src/relations/peer.js";
import * as pg from "../src/relations/postgresql.js";
import { databagChanges } from "../src/relations/sync.js";

const TOPOLOGY = {
  model: "dns",
  model_uuid: "u",
  application: "hlp",
  unit: "hlp/0",
  charm_name: "httprequest-lego-provider",
};

describe("postgresql_client", () => {
  it.each([
    [{}, undefined],
    [{ endpoints: "pg:5432" }, undefined],
    [{ endpoints: "pg:5432", username: "u", password: "p" }, "postgresql://u:p@pg:5432/app"],
    [
      { endpoints: "pg-0:5432,pg-1:5432", username: "u", password: "p", database: "dns" },
      "postgresql://u:p@pg-0:5432/dns",
    ],
    [
      { endpoints: "pg:5432", username: "a b", password: "p@s:s/#" },
      "postgresql://a%20b:p%40s%3As%2F%23@pg:5432/app",
    ],
    [{ uris: "postgresql://x:y@h:1/d,postgresql://x:y@h2:1/d", username: "u" }, "postgresql://x:y@h:1/d"],
  ])("connect string of %j", (data, expected) => {
    expect(pg.connectString(pg.parseProviderAppData(data as Record<string, string>), "app")).toBe(expected);
  });

  it("secret-based credentials win over plain fields", () => {
    const offer = pg.parseProviderAppData({ endpoints: "pg:5432", "secret-user": "secret:x" });
    expect(offer.secretUser).toBe("secret:x");
    expect(pg.connectString(pg.withSecretCredentials(offer, { username: "s", password: "t" }), "app")).toBe(
      "postgresql://s:t@pg:5432/app",
    );
  });

  it("requests the app-named database and secret delivery", () => {
    const data = pg.requirerAppData("httprequest-lego-provider");
    expect(data.database).toBe("httprequest-lego-provider");
    expect(JSON.parse(data["requested-secrets"] ?? "")).toContain("password");
  });
});

describe("ingress v2", () => {
  it.each([
    [{ ingress: JSON.stringify({ url: "https://h/dns-app" }) }, "https://h/dns-app"],
    [{ ingress: "not json" }, undefined],
    [{ ingress: JSON.stringify({ url: "javascript:alert(1)" }) }, undefined],
    [{ ingress: JSON.stringify({ url: "https://h/a b" }) }, undefined],
    [{}, undefined],
  ])("url from %j", (data, expected) => {
    expect(ingress.parseIngressUrl(data)).toBe(expected);
  });

  it("JSON-encodes every value", () => {
    expect(ingress.requirerAppData("app", "m", 8080)).toEqual({
      model: '"m"',
      name: '"app"',
      port: "8080",
      "strip-prefix": "true",
    });
    expect(ingress.requirerUnitData("h", undefined)).toEqual({ host: '"h"' });
  });
});

describe("loki log targets", () => {
  it("one target per Loki unit, stale ones switched off, others untouched", () => {
    const targets = loki.logTargets([{ unit: "loki/1", url: "http://l1:3100/loki/api/v1/push" }], TOPOLOGY, {
      "loki-loki-0": "http://l0:3100/loki/api/v1/push",
      "loki-loki-1": "http://old:3100/loki/api/v1/push",
      mine: "http://elsewhere/",
    });
    expect(Object.keys(targets).sort()).toEqual(["loki-loki-0", "loki-loki-1"]);
    expect(targets["loki-loki-0"]).toMatchObject({
      services: ["-all"],
      location: "http://l0:3100/loki/api/v1/push",
    });
    expect(targets["loki-loki-1"]).toMatchObject({
      services: ["all"],
      labels: { juju_unit: "hlp/0", juju_model: "dns" },
    });
  });

  it.each([
    [
      { endpoint: JSON.stringify({ url: "http://l:3100/push" }) },
      { unit: "loki/0", url: "http://l:3100/push" },
    ],
    [{ endpoint: "{" }, undefined],
    [{}, undefined],
  ])("endpoint from %j", (data, expected) => {
    expect(loki.parseLokiEndpoint("loki/0", data)).toEqual(expected);
  });
});

describe("peer secret key", () => {
  it.each([
    [{ app_secret_key: "kept" }, {}],
    [{ django_secret_key: "from-django" }, { app_secret_key: "from-django" }],
  ])("update for %j", (data, expected) => {
    expect(peer.secretKeyUpdate(data)).toEqual(expected);
  });

  it("generates a fresh 512-bit key when none exists", () => {
    const { app_secret_key: key } = peer.secretKeyUpdate({});
    expect(key).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(peer.secretKeyUpdate({})).not.toEqual({ app_secret_key: key });
  });
});

describe("databagChanges", () => {
  it.each([
    [{ a: "1" }, { a: "1" }, {}],
    [{ a: "1" }, { a: "2" }, { a: "2" }],
    [{}, { a: "1", b: "" }, { a: "1" }],
    [{ b: "x" }, { b: "" }, { b: "" }],
  ])("%j -> %j writes %j", (current, desired, expected) => {
    expect(databagChanges(current, desired)).toEqual(expected);
  });
});

describe("grafana dashboard", () => {
  it("is stable for the same content and readable by Python's lzma", () => {
    const a = grafana.providerAppData(TOPOLOGY, { "d.json": buildDashboard() }, lzmaBase64);
    const b = grafana.providerAppData(TOPOLOGY, { "d.json": buildDashboard() }, lzmaBase64);
    expect(a).toEqual(b);
    const content = (JSON.parse(a.dashboards ?? "") as { templates: Record<string, { content: string }> })
      .templates["file:d.json"]?.content;
    const text = execFileSync(
      "python3",
      [
        "-c",
        "import base64,lzma,sys;sys.stdout.write(lzma.decompress(base64.b64decode(sys.stdin.read())).decode())",
      ],
      {
        input: content,
      },
    ).toString();
    expect(JSON.parse(text)).toEqual(JSON.parse(buildDashboard()));
  });

  it("has one panel per query group, every query filtered by the Juju topology", () => {
    const dashboard = JSON.parse(buildDashboard()) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.map((p) => p.title)).toEqual(PANELS.map((p) => p.title));
    for (const panel of dashboard.panels)
      for (const t of panel.targets) expect(t.expr).toContain('juju_application=~"$juju_application"');
  });
});
