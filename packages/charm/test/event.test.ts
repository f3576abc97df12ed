import { describe, expect, it } from "vitest";
import { ContextError, contextFromEnv } from "../src/context.js";
import {
  type CharmEvent,
  isPodShutdown,
  isRemoval,
  parseEvent,
  UnknownDispatchPathError,
} from "../src/event.js";

const BASE = { JUJU_UNIT_NAME: "httprequest-lego-provider/0", JUJU_MODEL_NAME: "dns", JUJU_MODEL_UUID: "u" };

function event(path: string, extra: Record<string, string> = {}): CharmEvent {
  return parseEvent(contextFromEnv({ ...BASE, JUJU_DISPATCH_PATH: path, ...extra }, "/charm"));
}

describe("parseEvent", () => {
  it.each<[string, Record<string, string>, CharmEvent]>([
    ["hooks/install", {}, { kind: "lifecycle", name: "install" }],
    ["hooks/config-changed", {}, { kind: "lifecycle", name: "config-changed" }],
    ["hooks/upgrade-charm", {}, { kind: "lifecycle", name: "upgrade-charm" }],
    ["hooks/remove", {}, { kind: "lifecycle", name: "remove" }],
    [
      "hooks/app-pebble-ready",
      { JUJU_WORKLOAD_NAME: "app" },
      { kind: "pebble", name: "app-pebble-ready", container: "app", what: "ready" },
    ],
    [
      "hooks/app-pebble-check-failed",
      { JUJU_WORKLOAD_NAME: "app" },
      { kind: "pebble", name: "app-pebble-check-failed", container: "app", what: "check-failed" },
    ],
    [
      "hooks/postgresql-relation-changed",
      { JUJU_RELATION_ID: "postgresql:3", JUJU_REMOTE_APP: "pg", JUJU_REMOTE_UNIT: "pg/0" },
      {
        kind: "relation",
        name: "postgresql-relation-changed",
        endpoint: "postgresql",
        phase: "changed",
        relationId: "postgresql:3",
        remoteApp: "pg",
        remoteUnit: "pg/0",
      },
    ],
    [
      "hooks/secret-storage-relation-created",
      { JUJU_RELATION_ID: "secret-storage:0" },
      {
        kind: "relation",
        name: "secret-storage-relation-created",
        endpoint: "secret-storage",
        phase: "created",
        relationId: "secret-storage:0",
      },
    ],
    [
      "hooks/metrics-endpoint-relation-broken",
      { JUJU_RELATION_ID: "metrics-endpoint:6", JUJU_REMOTE_APP: "prom" },
      {
        kind: "relation",
        name: "metrics-endpoint-relation-broken",
        endpoint: "metrics-endpoint",
        phase: "broken",
        relationId: "metrics-endpoint:6",
        remoteApp: "prom",
      },
    ],
    [
      "hooks/secret-changed",
      { JUJU_SECRET_ID: "secret:abc" },
      { kind: "secret", name: "secret-changed", phase: "changed", secretId: "secret:abc" },
    ],
    ["actions/create-user", { JUJU_ACTION_NAME: "create-user" }, { kind: "action", name: "create-user" }],
    ["hooks/collect-metrics", {}, { kind: "other", name: "collect-metrics" }],
  ])("%s", (path, extra, expected) => {
    expect(event(path, extra)).toEqual(expected);
  });

  it.each(["install", "hooks/", "hooks/../install", "actions/Create", "./dispatch", "hooks/a b"])(
    "rejects dispatch path %j",
    (path) => {
      expect(() => event(path)).toThrow(UnknownDispatchPathError);
    },
  );

  it("only stop and remove are teardown", () => {
    expect(isRemoval(event("hooks/remove"))).toBe(true);
    expect(isRemoval(event("hooks/stop"))).toBe(false);
    expect(isPodShutdown(event("hooks/stop"))).toBe(true);
    expect(isPodShutdown(event("hooks/start"))).toBe(false);
  });
});

describe("contextFromEnv", () => {
  it("names every missing variable", () => {
    expect(() => contextFromEnv({}, "/x")).toThrow(
      "missing JUJU_DISPATCH_PATH, JUJU_UNIT_NAME, JUJU_MODEL_NAME",
    );
  });

  it("rejects a malformed unit name", () => {
    expect(() =>
      contextFromEnv({ ...BASE, JUJU_UNIT_NAME: "nounit", JUJU_DISPATCH_PATH: "hooks/install" }, "/x"),
    ).toThrow(ContextError);
  });

  it("derives the app name, defaults the charm dir to cwd and freezes the result", () => {
    const ctx = contextFromEnv({ ...BASE, JUJU_DISPATCH_PATH: "hooks/install" }, "/srv/charm");
    expect(ctx).toMatchObject({
      appName: "httprequest-lego-provider",
      charmDir: "/srv/charm",
      jujuVersion: "0.0.0",
    });
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(ctx.relationId).toBeUndefined();
  });
});
