import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "@httprequest-lego-provider/provider/runtime-flags";
import { describe, expect, it } from "vitest";
import type { CharmConfig } from "../src/config.js";
import { desiredEnvironment, desiredLayer, planSatisfies } from "../src/layer.js";
import type { Plan } from "../src/pebble/types.js";
import { MALLOC_ENVIRONMENT, NODE_FLAGS, SERVICE } from "../src/workload.js";

// The bench measures memory with the provider's flags; the charm must start the service the same way.
describe("the service command", () => {
  it("uses the provider's V8 flags", () => {
    expect(NODE_FLAGS).toEqual(SERVICE_NODE_FLAGS);
  });

  it("uses the provider's malloc settings beside the configuration", () => {
    expect(MALLOC_ENVIRONMENT).toEqual(SERVICE_ENVIRONMENT);
    const environment = desiredLayer({ APP_LOG_LEVEL: "info" }).services?.[SERVICE]?.environment;
    expect(environment).toEqual({ ...SERVICE_ENVIRONMENT, APP_LOG_LEVEL: "info" });
  });
});

const SSH: CharmConfig = {
  gitRepo: { url: "git+ssh://git@h/x.git@main", transport: "ssh", host: "h", port: 22 },
  gitSshKey: "KEY-TEXT\n",
  logLevel: "info",
  auditRetentionDays: 90,
};

describe("desiredEnvironment", () => {
  it.each<[string, CharmConfig, string | undefined, Record<string, string | undefined>]>([
    [
      "ssh remote: key and known_hosts as files",
      SSH,
      undefined,
      {
        APP_GIT_SSH_KEY_FILE: "/var/lib/httprequest-lego-provider/charm-ssh/git_key",
        APP_BASE_URL: undefined,
      },
    ],
    [
      "https remote: no ssh files; base URL from ingress",
      {
        gitRepo: { url: "https://h/x.git", transport: "https", host: "h", port: 443 },
        logLevel: "warn",
        auditRetentionDays: 30,
      },
      "https://dns.example/m-app",
      {
        APP_GIT_SSH_KEY_FILE: undefined,
        APP_GIT_KNOWN_HOSTS_FILE: undefined,
        APP_BASE_URL: "https://dns.example/m-app",
        APP_LOG_LEVEL: "warn",
        APP_AUDIT_RETENTION_DAYS: "30",
        APP_OPTION_NAMES: JSON.stringify({
          APP_GIT_REPO: "git-repo",
          APP_LOG_LEVEL: "log-level",
          APP_AUDIT_RETENTION_DAYS: "audit-retention-days",
        }),
        APP_PROPAGATION_CHECK: undefined,
        APP_PROPAGATION_TIMEOUT: undefined,
      },
    ],
    [
      "propagation-check: /present waits for those servers, up to propagation-timeout",
      { ...SSH, propagationCheck: "auto", propagationTimeout: 120 },
      undefined,
      { APP_PROPAGATION_CHECK: "auto", APP_PROPAGATION_TIMEOUT: "120" },
    ],
  ])("%s", (_, config, baseUrl, expected) => {
    const env = desiredEnvironment({
      config,
      secretKey: "s",
      databaseUrl: "postgresql://u:p@h/d",
      ...(baseUrl ? { baseUrl } : {}),
    });
    expect(env).toMatchObject({
      APP_PORT: "8080",
      PORT: "8080",
      APP_SECRET_KEY: "s",
      POSTGRESQL_DB_CONNECT_STRING: "postgresql://u:p@h/d",
    });
    for (const [k, v] of Object.entries(expected)) expect(env[k]).toBe(v);
    expect(JSON.stringify(env)).not.toContain("KEY-TEXT");
  });
});

describe("the checks: alive on /healthz, ready on /readyz", () => {
  const layer = desiredLayer({});
  it.each([
    ["healthz", "alive", "http://localhost:8080/healthz"],
    ["readyz", "ready", "http://localhost:8080/readyz"],
  ])("%s is %s-level on %s", (name, level, url) => {
    expect(layer.checks?.[name]).toMatchObject({ override: "replace", level, threshold: 3, http: { url } });
  });
});

describe("planSatisfies", () => {
  const env = {
    ...desiredEnvironment({ config: SSH, secretKey: "s", databaseUrl: "postgresql://u:p@h/d" }),
    CHARM_FILES_DIGEST: "f".repeat(64),
  };
  const layer = desiredLayer(env);
  const asPlan = (): Plan => JSON.parse(JSON.stringify(layer)) as Plan;

  it.each<[string, (p: Plan) => void, boolean]>([
    ["the layer itself", () => {}, true],
    [
      "only the image's layer",
      (p) => {
        p.services = {
          "httprequest-lego-provider": {
            override: "replace",
            command:
              "/usr/bin/node --max-semi-space-size=4 --heap-growing-percent=20 --liftoff-only /app/dist/cli.js serve",
          },
        };
        delete p.checks;
      },
      false,
    ],
    [
      "an environment value changed",
      (p) => {
        const svc = p.services?.["httprequest-lego-provider"];
        if (svc?.environment) svc.environment.APP_LOG_LEVEL = "debug";
      },
      false,
    ],
    [
      "an extra environment key left over",
      (p) => {
        const svc = p.services?.["httprequest-lego-provider"];
        if (svc?.environment) svc.environment.APP_BASE_URL = "http://old";
      },
      false,
    ],
    [
      "numbers that came back from YAML as numbers",
      (p) => {
        const svc = p.services?.["httprequest-lego-provider"];
        if (svc) svc["user-id"] = 584792;
      },
      true,
    ],
    [
      "the health check missing",
      (p) => {
        delete p.checks;
      },
      false,
    ],
    [
      "the old charm's healthz at ready level, no readyz (an upgraded unit)",
      (p) => {
        p.checks = {
          healthz: {
            override: "replace",
            level: "ready",
            period: "10s",
            timeout: "3s",
            threshold: 3,
            http: { url: "http://localhost:8080/healthz" },
          },
        };
      },
      false,
    ],
    [
      "another CHARM_FILES_DIGEST (a rotated key file): the service must restart",
      (p) => {
        const svc = p.services?.["httprequest-lego-provider"];
        if (svc?.environment) svc.environment.CHARM_FILES_DIGEST = "0".repeat(64);
      },
      false,
    ],
    [
      "extra services and checks in the plan do not matter",
      (p) => {
        p.services = { ...p.services, other: { override: "replace", command: "x" } };
      },
      true,
    ],
  ])("%s -> %s", (_, mutate, expected) => {
    const plan = asPlan();
    mutate(plan);
    expect(planSatisfies(plan, layer)).toBe(expected);
  });

  it("log targets must match too", () => {
    const withTarget = desiredLayer(env, {
      "loki-l-0": { override: "replace", type: "loki", location: "http://l/push", services: ["all"] },
    });
    expect(planSatisfies(asPlan(), withTarget)).toBe(false);
    expect(planSatisfies(JSON.parse(JSON.stringify(withTarget)) as Plan, withTarget)).toBe(true);
  });
});
