// Checks of the packed .charm as Juju and charmcraft see it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CHARMCRAFT_KEYS, CharmcraftYamlError, parseCharmcraftYaml } from "../src/pack/charm-files.js";
import { PACKAGE_DIR, packedCharm } from "./harness.js";
import type { ZipItem } from "./unzip.js";

describe("the packed .charm", () => {
  let items: ZipItem[];
  const item = (name: string): ZipItem => {
    const found = items.find((i) => i.name === name);
    if (!found) throw new Error(`${name} is not in the charm`);
    return found;
  };
  const yaml = (name: string): Record<string, unknown> =>
    parse(item(name).data.toString()) as Record<string, unknown>;

  beforeAll(async () => {
    items = await packedCharm();
  });

  it("has charmcraft's layout and nothing else", () => {
    expect(
      items
        .filter((i) => !i.name.endsWith("/"))
        .map((i) => i.name)
        .sort(),
    ).toEqual([
      "actions.yaml",
      "config.yaml",
      "dispatch",
      "dist/dispatch.mjs",
      "manifest.yaml",
      "metadata.yaml",
      "node/LICENSE",
      "node/bin/node",
    ]);
  });

  it("dispatch is a 0755 shell script whose last word names an executable entry point", () => {
    const dispatch = item("dispatch");
    expect(dispatch.mode).toBe(0o100755);
    const lines = dispatch.data.toString().trim().split("\n");
    expect(lines[0]).toBe("#!/bin/sh");
    const entry = (lines.at(-1) ?? "").trim().split(/\s+/).at(-1) ?? "";
    const path = entry.replace(/^\.\//, "");
    expect(path).toBe("dist/dispatch.mjs");
    expect(item(path).mode & 0o111).toBe(0o111);
    expect(item("node/bin/node").mode).toBe(0o100755);
  });

  it("ships a Node 24 x86-64 ELF runtime and a self-contained bundle", () => {
    expect(item("node/bin/node").data.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    const bundle = item("dist/dispatch.mjs").data.toString();
    expect(bundle).not.toMatch(/from ["'](execa|ws|yaml|lzma|zod)["']/);
  });

  it("metadata.yaml: Kubernetes container app with its oci-image resource and every relation", () => {
    const metadata = yaml("metadata.yaml");
    expect(metadata.name).toBe("httprequest-lego-provider");
    expect(metadata.containers).toEqual({ app: { resource: "app-image" } });
    expect(metadata.resources).toMatchObject({ "app-image": { type: "oci-image" } });
    expect(metadata.requires).toEqual({
      postgresql: { interface: "postgresql_client", limit: 1 },
      ingress: { interface: "ingress", limit: 1 },
      logging: { interface: "loki_push_api" },
    });
    expect(metadata.provides).toEqual({
      "metrics-endpoint": { interface: "prometheus_scrape" },
      "grafana-dashboard": { interface: "grafana_dashboard" },
    });
    expect(metadata.peers).toEqual({ "secret-storage": { interface: "secret-storage" } });
    expect(metadata.assumes).toContain("k8s-api");
  });

  it("metadata.yaml uses only keys Juju's charm metadata accepts", () => {
    const accepted = [
      "name",
      "display-name",
      "summary",
      "description",
      "maintainers",
      "docs",
      "issues",
      "source",
      "website",
      "terms",
      "subordinate",
      "min-juju-version",
      "assumes",
      "containers",
      "resources",
      "storage",
      "devices",
      "extra-bindings",
      "peers",
      "provides",
      "requires",
      "payloads",
      "charm-user",
    ];
    for (const key of Object.keys(yaml("metadata.yaml"))) expect(accepted, key).toContain(key);
  });

  it("config.yaml keeps the Django charm's options (and adds log-level)", () => {
    const options = (yaml("config.yaml").options ?? {}) as Record<
      string,
      { type: string; default?: unknown }
    >;
    expect(Object.keys(options)).toEqual(expect.arrayContaining(["git-repo", "git-ssh-key", "log-level"]));
    for (const option of Object.values(options))
      expect(["string", "int", "float", "boolean", "secret"]).toContain(option.type);
    expect(options["log-level"]?.default).toBe("info");
  });

  it("actions.yaml keeps the Django charm's actions and parameters, and adds the user lifecycle", () => {
    const actions = yaml("actions.yaml") as Record<
      string,
      { params?: Record<string, unknown>; required?: string[] }
    >;
    expect(Object.keys(actions).sort()).toEqual(
      [
        "allow-domains",
        "create-superuser",
        "create-user",
        "list-domains",
        "revoke-domains",
        "rotate-secret-key",
        "deactivate-user",
        "activate-user",
        "delete-user",
      ].sort(),
    );
    for (const name of ["deactivate-user", "activate-user", "delete-user"]) {
      expect(Object.keys(actions[name]?.params ?? {}), name).toEqual(["username"]);
      expect(actions[name]?.required, name).toEqual(["username"]);
    }
    expect(Object.keys(actions["allow-domains"]?.params ?? {})).toEqual([
      "username",
      "domains",
      "subdomains",
    ]);
    expect(actions["revoke-domains"]?.required).toEqual(["username"]);
    for (const [name, action] of Object.entries(actions)) {
      for (const key of Object.keys(action)) {
        expect(
          ["description", "params", "required", "additionalProperties", "execution-group", "parallel"],
          `${name}.${key}`,
        ).toContain(key);
      }
    }
  });

  it("manifest.yaml names the base and architecture Juju deploys on", () => {
    expect(yaml("manifest.yaml")).toMatchObject({
      bases: [{ name: "ubuntu", channel: "24.04", architectures: ["amd64"] }],
    });
  });

  it("manifest.yaml names the packer that made it, not charmcraft", () => {
    const manifest = yaml("manifest.yaml");
    expect(manifest).toMatchObject({
      "packed-by": { name: "@httprequest-lego-provider/charm", version: "0.1.0" },
      "packed-at": expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Object.keys(manifest).filter((key) => key.startsWith("charmcraft"))).toEqual([]);
  });
});

describe("charmcraft.yaml", () => {
  const text = readFileSync(join(PACKAGE_DIR, "charmcraft.yaml"), "utf8");

  it("uses only keys charmcraft accepts", () => {
    const doc = parseCharmcraftYaml(text);
    for (const key of Object.keys(doc)) expect(CHARMCRAFT_KEYS).toContain(key);
    expect(doc).toMatchObject({ name: "httprequest-lego-provider", type: "charm", base: "ubuntu@24.04" });
  });

  it.each([
    ["name: x\nbogus: 1\n", /does not accept: bogus/],
    ["- a list\n", /not a mapping/],
    ["name: x\ntype: charm\nsummary: s\ndescription: d\nplatforms: {}\nparts: {}\n", /lacks "base"/],
    [
      "name: x\ntype: bundle\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms: {}\nparts: {}\n",
      /"type" must be "charm"/,
    ],
  ])("refuses %j", (bad, message) => {
    expect(() => parseCharmcraftYaml(bad)).toThrow(CharmcraftYamlError);
    expect(() => parseCharmcraftYaml(bad)).toThrow(message);
  });
});
