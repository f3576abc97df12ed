import { SERVICE_NODE_FLAGS } from "@httprequest-lego-provider/provider/runtime-flags";
import { describe, expect, it } from "vitest";
import type { CharmConfig } from "../src/config.js";
import { desiredEnvironment, desiredLayer, planSatisfies } from "../src/layer.js";
import type { Plan } from "../src/pebble/types.js";
import { NODE_FLAGS } from "../src/workload.js";

// The bench measures memory with the provider's flags; the charm must start the service the same way.
describe("the service command", () => {
  it("uses the provider's V8 flags", () => {
    expect(NODE_FLAGS).toEqual(SERVICE_NODE_FLAGS);
  });
});

const SSH: CharmConfig = {
  gitRepo: { url: "git+ssh://git@h/x.git@main", transport: "ssh", host: "h", port: 22 },
  gitSshKey: "KEY-TEXT\n",
  logLevel: "info",
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
      { gitRepo: { url: "https://h/x.git", transport: "https", host: "h", port: 443 }, logLevel: "warn" },
      "https://dns.example/m-app",
      {
        APP_GIT_SSH_KEY_FILE: undefined,
        APP_GIT_KNOWN_HOSTS_FILE: undefined,
        APP_BASE_URL: "https://dns.example/m-app",
        APP_LOG_LEVEL: "warn",
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

describe("planSatisfies", () => {
  const env = desiredEnvironment({ config: SSH, secretKey: "s", databaseUrl: "postgresql://u:p@h/d" });
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
