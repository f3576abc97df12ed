// Runs the PACKED charm's `dispatch` as Juju would, against the Juju and Pebble doubles. Each
// scenario starts from a declared state (test/starting-states.ts), runs one event (or one short
// exchange of events) and checks the state that comes out; none depends on another's leftovers.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { migrationFingerprint } from "../src/workload-sync.js";
import { HOST_KEY_LINE } from "./doubles/workload.js";
import { APP, type Unit } from "./harness.js";
import {
  PG_SECRET_ID,
  PG_USER,
  REPO,
  SECRET_KEY,
  SSH_KEY,
  type StartingOptions,
  type StartingStateName,
  startingState,
} from "./starting-states.js";

const SERVICE = "httprequest-lego-provider";

interface ServiceSpecView {
  environment?: Record<string, string>;
  command?: string;
  user?: string;
  "user-id"?: number;
}

const opened: Unit[] = [];

async function given(name: StartingStateName, options?: StartingOptions): Promise<Unit> {
  const unit = await startingState(name, options);
  opened.push(unit);
  return unit;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((unit) => unit.close()));
});

function env(unit: Unit): Record<string, string> {
  return ((unit.pebble.plan().services?.[SERVICE] ?? {}) as ServiceSpecView).environment ?? {};
}

const INGRESS = {
  id: "ingress:5",
  endpoint: "ingress",
  remoteApp: "traefik",
  remoteUnits: { "traefik/0": {} },
  remoteAppData: {
    ingress: JSON.stringify({ url: "https://dns.example.test/dns-httprequest-lego-provider" }),
  },
};
const INGRESS_HOOK = { JUJU_RELATION: "ingress", JUJU_RELATION_ID: "ingress:5", JUJU_REMOTE_APP: "traefik" };

const LOGGING = {
  id: "logging:8",
  endpoint: "logging",
  remoteApp: "loki",
  remoteUnits: {
    "loki/0": {
      endpoint: JSON.stringify({
        url: "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push",
      }),
    },
  },
};
const LOGGING_HOOK = { JUJU_RELATION: "logging", JUJU_RELATION_ID: "logging:8", JUJU_REMOTE_APP: "loki" };

describe("packed charm, a leader before its config", () => {
  it("install without config: blocked naming everything missing, secret key generated once", async () => {
    const unit = await given("fresh-leader");
    const run = await unit.dispatch("hooks/install");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "blocked",
      message: "Missing config git-repo, postgresql relation",
    });
    expect(unit.juju.read().status?.app).toEqual(unit.status());
    const key = unit.juju.relation("secret-storage")?.localApp?.app_secret_key ?? "";
    expect(key.length).toBeGreaterThanOrEqual(80);
    await unit.dispatch("hooks/leader-elected");
    expect(unit.juju.relation("secret-storage")?.localApp?.app_secret_key).toBe(key);
  });

  it("invalid config is blocked with the option named", async () => {
    const unit = await given("fresh-leader", {
      juju: (s) => {
        s.config = { "git-repo": "ftp://nope", "log-level": "loud" };
      },
    });
    await unit.dispatch("hooks/config-changed");
    expect(unit.status()?.name).toBe("blocked");
    expect(unit.status()?.message).toMatch(/^Invalid config: git-repo .*; log-level must be one of/);
  });

  it("config-changed with an ssh repo but no key names git-ssh-key", async () => {
    const unit = await given("fresh-leader", {
      juju: (s) => {
        s.config = { "git-repo": REPO };
      },
    });
    await unit.dispatch("hooks/config-changed");
    expect(unit.status()).toEqual({
      name: "blocked",
      message: "Missing config git-ssh-key, postgresql relation",
    });
  });
});

describe("packed charm, a leader without its database", () => {
  it("pebble-ready before the database: still blocked, the charm adds no layer", async () => {
    const unit = await given("blocked-no-database");
    const run = await unit.dispatch("hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({ name: "blocked", message: "Missing postgresql relation" });
    expect(unit.pebble.layerAdds).toBe(0);
    expect(unit.pebble.services.get(SERVICE)?.current ?? "inactive").toBe("inactive");
  });

  it("postgresql relation-created: the leader requests a database named after the app", async () => {
    const unit = await given("blocked-no-database", {
      juju: (s) => {
        s.relations.push({
          id: "postgresql:3",
          endpoint: "postgresql",
          remoteApp: "postgresql-k8s",
          remoteUnits: { "postgresql-k8s/0": {} },
        });
      },
    });
    await unit.dispatch("hooks/postgresql-relation-created", {
      JUJU_RELATION: "postgresql",
      JUJU_RELATION_ID: "postgresql:3",
      JUJU_REMOTE_APP: "postgresql-k8s",
    });
    const local = unit.juju.relation("postgresql")?.localApp ?? {};
    expect(local.database).toBe(APP);
    expect(JSON.parse(local["requested-secrets"] ?? "[]")).toEqual(
      expect.arrayContaining(["username", "password"]),
    );
    expect(unit.status()).toEqual({
      name: "waiting",
      message: "Waiting for database credentials from postgresql",
    });
  });
});

describe("packed charm, a leader whose database credentials arrive", () => {
  it("credentials in a Juju secret: files pushed, migrated, layer added, service active", async () => {
    const unit = await given("unmigrated-leader");
    const run = await unit.dispatch("hooks/postgresql-relation-changed", {
      JUJU_RELATION: "postgresql",
      JUJU_RELATION_ID: "postgresql:3",
      JUJU_REMOTE_APP: "postgresql-k8s",
      JUJU_REMOTE_UNIT: "postgresql-k8s/0",
    });
    expect(run.exitCode, run.stderr).toBe(0);
    // Active, and the host key it trusted without git-known-hosts is named (decision 0314).
    expect(unit.status()?.name).toBe("active");
    expect(unit.status()?.message).toMatch(
      /^Trusting scanned host key of git\.example\.test:22 \(ED25519 SHA256:[A-Za-z0-9+/]{43}\); pin it with git-known-hosts$/,
    );

    const e = env(unit);
    expect(e.POSTGRESQL_DB_CONNECT_STRING).toBe(
      `postgresql://${PG_USER}:p%40ss%2Fw%3Ard@pg-0.pg-endpoints:5432/${APP}`,
    );
    expect(e.APP_SECRET_KEY).toBe(unit.juju.relation("secret-storage")?.localApp?.app_secret_key);
    expect(e).toMatchObject({
      NODE_ENV: "production",
      APP_PORT: "8080",
      PORT: "8080",
      APP_GIT_REPO: REPO,
      APP_LOG_LEVEL: "info",
      APP_DATA_DIR: "/var/lib/httprequest-lego-provider",
      APP_GIT_SSH_KEY_FILE: "/var/lib/httprequest-lego-provider/charm-ssh/git_key",
      APP_GIT_KNOWN_HOSTS_FILE: "/var/lib/httprequest-lego-provider/charm-ssh/known_hosts",
    });
    expect(e.APP_GIT_SSH_KEY).toBeUndefined();
    expect(JSON.stringify(unit.pebble.plan())).not.toContain("fakefakefake");

    const spec = unit.pebble.plan().services?.[SERVICE] as ServiceSpecView;
    expect(spec).toMatchObject({
      command:
        "/usr/bin/node --max-semi-space-size=4 --heap-growing-percent=20 --liftoff-only /app/dist/cli.js serve",
      user: "_daemon_",
      "user-id": 584792,
    });
    expect(unit.pebble.plan().checks?.healthz).toMatchObject({
      level: "alive",
      http: { url: "http://localhost:8080/healthz" },
    });
    expect(unit.pebble.plan().checks?.readyz).toMatchObject({
      level: "ready",
      http: { url: "http://localhost:8080/readyz" },
    });
    expect(unit.pebble.services.get(SERVICE)).toMatchObject({ current: "active", starts: 1 });

    const keyPath = "/var/lib/httprequest-lego-provider/charm-ssh/git_key";
    const hostsPath = "/var/lib/httprequest-lego-provider/charm-ssh/known_hosts";
    expect(readFileSync(unit.pebble.hostPath(keyPath), "utf8")).toBe(SSH_KEY);
    expect(unit.pebble.fileMeta.get(keyPath)).toEqual({
      permissions: 0o600,
      userId: 584792,
      groupId: 584792,
    });
    expect(statSync(unit.pebble.hostPath(keyPath)).mode & 0o777).toBe(0o600);
    expect(readFileSync(unit.pebble.hostPath(hostsPath), "utf8")).toBe(
      `# ssh-keyscan git.example.test:22\n${HOST_KEY_LINE}\n`,
    );
    expect(unit.pebble.fileMeta.get(hostsPath)).toEqual({
      permissions: 0o600,
      userId: 584792,
      groupId: 584792,
    });
    expect(unit.pebble.fileMeta.get("/var/lib/httprequest-lego-provider/charm-ssh")?.permissions).toBe(0o700);

    expect(unit.provider.migrations).toBe(1);
    const migrate = unit.pebble.execs.find((x) => x.command.includes("migrate"));
    expect(migrate).toMatchObject({ userId: 584792, groupId: 584792, workingDir: "/app" });
    expect(migrate?.environment.POSTGRESQL_DB_CONNECT_STRING).toBe(e.POSTGRESQL_DB_CONNECT_STRING);

    const state = unit.juju.read();
    expect(state.openedPorts).toEqual(["8080/tcp"]);
    expect(state.applicationVersion).toBe("1.0.0");
  });
});

describe("packed charm, a migrated leader", () => {
  it("a later event with nothing new changes nothing: no layer, restart, migration or keyscan", async () => {
    const unit = await given("migrated-leader");
    const before = {
      adds: unit.pebble.layerAdds,
      execs: unit.pebble.execs.length,
      sets: unit.juju.read().relationSets?.length,
    };
    const run = await unit.dispatch("hooks/update-status");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.pebble.layerAdds).toBe(before.adds);
    expect(unit.pebble.execs.length).toBe(before.execs);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(1);
    expect(unit.juju.read().relationSets?.length).toBe(before.sets);
    expect(unit.status()?.name).toBe("active");
  });

  it("the service stopped behind the charm's back is started again", async () => {
    const unit = await given("migrated-leader");
    const svc = unit.pebble.services.get(SERVICE);
    if (svc) svc.current = "inactive";
    await unit.dispatch("hooks/update-status");
    expect(unit.pebble.services.get(SERVICE)).toMatchObject({ current: "active", starts: 2 });
  });

  it("readyz down (app-pebble-check-failed): blocked with Pebble's reason; check-recovered: active again", async () => {
    const unit = await given("migrated-leader");
    const body = '{"status":"unavailable","checks":{"database":"ok","git":"unreachable"}}';
    unit.pebble.failingChecks.set("readyz", `non-2xx status code 503; ${body}`);
    const check = { JUJU_WORKLOAD_NAME: "app", JUJU_PEBBLE_CHECK_NAME: "readyz" };
    const failed = await unit.dispatch("hooks/app-pebble-check-failed", check);
    expect(failed.exitCode, failed.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "blocked",
      message: `Service not ready, check readyz: non-2xx status code 503; ${body}`,
    });
    // The service keeps running: readiness only takes it out of the Kubernetes service.
    expect(unit.pebble.services.get(SERVICE)?.current).toBe("active");
    unit.pebble.failingChecks.delete("readyz");
    const recovered = await unit.dispatch("hooks/app-pebble-check-recovered", check);
    expect(recovered.exitCode, recovered.stderr).toBe(0);
    expect(unit.status()?.name).toBe("active");
  });

  it("create-user returns a generated password, as the Django charm did", async () => {
    const unit = await given("migrated-leader");
    const r = await unit.action("create-user", { username: "certbot" });
    expect(r.failed).toBeUndefined();
    const password = unit.provider.users.get("certbot")?.password;
    expect(password).toBeTruthy();
    expect(r.results).toEqual({
      password,
      result: `Created or updated "certbot" with password "${password}"`,
    });
    const exec = unit.pebble.execs.at(-1);
    expect(exec?.command).toEqual(["/usr/bin/node", "/app/dist/cli.js", "create-user", "certbot", "--json"]);
    expect(exec?.userId).toBe(584792);
  });

  it("create-superuser returns a password and passes the e-mail", async () => {
    const unit = await given("migrated-leader");
    const r = await unit.action("create-superuser", { username: "admin", email: "admin@example.test" });
    expect(r.failed).toBeUndefined();
    expect(r.results.password).toBe(unit.provider.users.get("admin")?.password);
    expect(unit.provider.users.get("admin")).toMatchObject({ staff: true, email: "admin@example.test" });
  });

  it("allow-domains / revoke-domains / list-domains return the CLI output as result", async () => {
    const unit = await given("migrated-leader", { users: { admin: { staff: true }, certbot: {} } });
    const allow = await unit.action("allow-domains", {
      username: "certbot",
      domains: "example.test,www.example.test",
      subdomains: "lab.example.test",
    });
    expect(allow).toMatchObject({ results: { result: "Successfully granted access to all domains." } });
    const list = await unit.action("list-domains", { username: "certbot" });
    expect(list.results.result).toBe(
      "certbot:\n    domains:\n        example.test, www.example.test\n    subdomains:\n        lab.example.test",
    );
    const revoke = await unit.action("revoke-domains", { username: "certbot", domains: "www.example.test" });
    expect(revoke.results.result).toBe("Successfully revoked access to all domains.");
    const all = await unit.action("list-domains", { username: "*" });
    expect(String(all.results.result)).toContain("admin:");
    expect(String(all.results.result)).toContain("certbot:\n    domains:\n        example.test\n");
  });

  it("deactivate-user / activate-user / delete-user run the CLI in the workload and say what changed", async () => {
    const unit = await given("migrated-leader", { users: { leaver: { domains: ["leaver.example.test"] } } });

    const off = await unit.action("deactivate-user", { username: "leaver" });
    expect(off.failed).toBeUndefined();
    expect(off.results).toEqual({
      result:
        'Deactivated "leaver": its password and tokens no longer work; its grants are kept (activate-user undoes this)',
      changed: "true",
    });
    expect(unit.pebble.execs.at(-1)).toMatchObject({
      command: ["/usr/bin/node", "/app/dist/cli.js", "deactivate-user", "leaver", "--json"],
      userId: 584792,
    });
    expect(unit.provider.users.get("leaver")?.active).toBe(false);
    const again = await unit.action("deactivate-user", { username: "leaver" });
    expect(again.results).toEqual({ result: '"leaver" was already inactive', changed: "false" });

    const on = await unit.action("activate-user", { username: "leaver" });
    expect(on.results).toEqual({
      result: 'Activated "leaver": its password and grants work again',
      changed: "true",
    });
    expect(unit.provider.users.get("leaver")?.active).toBe(true);

    const gone = await unit.action("delete-user", { username: "leaver" });
    expect(gone.failed).toBeUndefined();
    expect(gone.results).toEqual({
      result: 'Deleted "leaver" and its grants',
      domains: "leaver.example.test",
      subdomains: "",
    });
    expect(unit.provider.users.has("leaver")).toBe(false);
  });

  it.each([
    ["deactivate-user", { username: "nobody" }, 'Failed: Error: User "nobody" does not exist'],
    ["activate-user", { username: "nobody" }, 'Failed: Error: User "nobody" does not exist'],
    [
      "delete-user",
      { username: "-rf" },
      'Invalid username "-rf": use letters, digits and @ . + - _ (150 at most).',
    ],
  ])("%s %j fails with a message an operator can act on", async (name, params, message) => {
    const unit = await given("migrated-leader");
    const r = await unit.action(name, params);
    expect(r.exitCode).toBe(0);
    expect(r.failed).toBe(message);
  });

  it("actions fail with a message an operator can act on", async () => {
    const unit = await given("migrated-leader", { users: { certbot: { domains: ["example.test"] } } });
    const none = await unit.action("allow-domains", { username: "certbot" });
    expect(none.failed).toBe("At least one of 'domains' or 'subdomains' must be provided.");
    const unknown = await unit.action("allow-domains", { username: "nobody", domains: "example.test" });
    expect(unknown.failed).toBe('Failed: Error: User "nobody" does not exist');
    const injected = await unit.action("create-user", { username: "--password=x" });
    expect(injected.failed).toMatch(/^Invalid username/);
    const badList = await unit.action("revoke-domains", { username: "certbot", domains: "--all" });
    expect(badList.failed).toBe("Parameter domains must be a comma-separated list of domain names.");
    expect(none.exitCode + unknown.exitCode + injected.exitCode).toBe(0);
  });

  it("rotate-secret-key: new key in the peer relation, the service restarted with it", async () => {
    const unit = await given("migrated-leader");
    const oldKey = env(unit).APP_SECRET_KEY;
    expect(oldKey).toBe(SECRET_KEY);
    const starts = unit.pebble.services.get(SERVICE)?.starts ?? 0;
    const r = await unit.action("rotate-secret-key", {});
    expect(r).toMatchObject({ results: { status: "success" } });
    const newKey = unit.juju.relation("secret-storage")?.localApp?.app_secret_key;
    expect(newKey).not.toBe(oldKey);
    expect(env(unit).APP_SECRET_KEY).toBe(newKey);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(starts + 1);
  });

  it("secret-changed (database password rotated): new connect string, migrated again, restarted", async () => {
    const unit = await given("migrated-leader");
    const migrations = unit.provider.migrations;
    const starts = unit.pebble.services.get(SERVICE)?.starts ?? 0;
    unit.juju.update((s) => {
      s.secrets = { [PG_SECRET_ID]: { content: { username: PG_USER, password: "rotated" } } };
    });
    const run = await unit.dispatch("hooks/secret-changed", { JUJU_SECRET_ID: PG_SECRET_ID });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(env(unit).POSTGRESQL_DB_CONNECT_STRING).toBe(
      `postgresql://${PG_USER}:rotated@pg-0.pg-endpoints:5432/${APP}`,
    );
    expect(unit.provider.migrations).toBe(migrations + 1);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(starts + 1);
  });

  it("ingress: publishes name/model/port JSON-encoded and uses the URL as APP_BASE_URL", async () => {
    const unit = await given("migrated-leader");
    unit.juju.update((s) => {
      s.relations.push(structuredClone(INGRESS));
    });
    await unit.dispatch("hooks/ingress-relation-changed", INGRESS_HOOK);
    const rel = unit.juju.relation("ingress");
    expect(rel?.localApp).toMatchObject({
      name: `"${APP}"`,
      model: '"dns"',
      port: "8080",
      "strip-prefix": "true",
    });
    expect(rel?.localUnit).toEqual({
      host: `"${APP}-0.${APP}-endpoints.dns.svc.cluster.local"`,
      ip: '"192.0.2.10"',
    });
    expect(env(unit).APP_BASE_URL).toBe("https://dns.example.test/dns-httprequest-lego-provider");
  });

  it("ingress relation-broken: APP_BASE_URL goes away", async () => {
    const unit = await given("migrated-leader", {
      juju: (s) => {
        s.relations.push(structuredClone(INGRESS));
      },
    });
    expect(env(unit).APP_BASE_URL).toBe("https://dns.example.test/dns-httprequest-lego-provider");
    await unit.dispatch("hooks/ingress-relation-broken", INGRESS_HOOK);
    expect(env(unit).APP_BASE_URL).toBeUndefined();
  });

  it("metrics-endpoint, grafana-dashboard and logging publish their data; Loki becomes a log target", async () => {
    const unit = await given("migrated-leader");
    unit.juju.update((s) => {
      s.relations.push(
        {
          id: "metrics-endpoint:6",
          endpoint: "metrics-endpoint",
          remoteApp: "prometheus",
          remoteUnits: { "prometheus/0": {} },
        },
        {
          id: "grafana-dashboard:7",
          endpoint: "grafana-dashboard",
          remoteApp: "grafana",
          remoteUnits: { "grafana/0": {} },
        },
        structuredClone(LOGGING),
      );
    });
    const run = await unit.dispatch("hooks/logging-relation-changed", LOGGING_HOOK);
    expect(run.exitCode, run.stderr).toBe(0);
    const jobs = JSON.parse(
      unit.juju.relation("metrics-endpoint")?.localApp?.scrape_jobs ?? "[]",
    ) as unknown[];
    expect(jobs).toEqual([
      { job_name: SERVICE, metrics_path: "/metrics", static_configs: [{ targets: ["*:8080"] }] },
    ]);
    expect(unit.juju.relation("metrics-endpoint")?.localUnit?.prometheus_scrape_unit_name).toBe(`${APP}/0`);

    const dashboards = JSON.parse(unit.juju.relation("grafana-dashboard")?.localApp?.dashboards ?? "{}") as {
      templates: Record<string, { content: string; charm: string }>;
    };
    const template = dashboards.templates["file:httprequest-lego-provider.json"];
    expect(template?.charm).toBe(SERVICE);
    // Decoded exactly as Grafana's side does it (cosl LZMABase64: base64 + Python lzma).
    const json = execFileSync(
      "python3",
      ["-c", "import base64,lzma,sys;print(lzma.decompress(base64.b64decode(sys.stdin.read())).decode())"],
      {
        input: template?.content ?? "",
      },
    ).toString();
    const dashboard = JSON.parse(json) as { panels: { targets: { expr: string }[] }[] };
    expect(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join("\n")).toContain(
      "hlp_http_request_duration_seconds_bucket",
    );

    const targets = (unit.pebble.plan()["log-targets"] ?? {}) as Record<
      string,
      { location: string; services: string[] }
    >;
    expect(targets["loki-loki-0"]).toMatchObject({
      type: "loki",
      location: "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push",
      services: ["all"],
    });
  });

  it("logging relation-broken switches the stale log target off", async () => {
    const unit = await given("migrated-leader", {
      juju: (s) => {
        s.relations.push(structuredClone(LOGGING));
      },
    });
    const logTargets = (): Record<string, { services: string[] }> =>
      (unit.pebble.plan()["log-targets"] ?? {}) as Record<string, { services: string[] }>;
    expect(logTargets()["loki-loki-0"]?.services).toEqual(["all"]);
    await unit.dispatch("hooks/logging-relation-broken", LOGGING_HOOK);
    expect(logTargets()["loki-loki-0"]?.services).toEqual(["-all"]);
  });

  it("upgrade-charm with a new workload version migrates once more", async () => {
    const unit = await given("migrated-leader");
    const root = unit.pebble.hostPath("/app/package.json");
    execFileSync("sed", ["-i", "s/1.0.0/1.1.0/", root]);
    const migrations = unit.provider.migrations;
    await unit.dispatch("hooks/upgrade-charm");
    expect(unit.provider.migrations).toBe(migrations + 1);
    expect(unit.juju.read().applicationVersion).toBe("1.1.0");
    await unit.dispatch("hooks/config-changed");
    expect(unit.provider.migrations).toBe(migrations + 1);
    expect(unit.status()?.name).toBe("active");
  });

  it("Pebble gone (container restarting): waiting, and converges again on pebble-ready", async () => {
    const unit = await given("migrated-leader");
    await unit.pebble.stop();
    const run = await unit.dispatch("hooks/update-status");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "waiting",
      message: "Waiting for Pebble in workload container app",
    });
    const action = await unit.action("list-domains", { username: "certbot" });
    expect(action.failed).toBe("Service not yet ready.");
    // The new container starts from the image: no charm layer, nothing running, no pushed files.
    unit.pebble.restartContainer(["/app"]);
    const migrations = unit.provider.migrations;
    await unit.pebble.start();
    const ready = await unit.dispatch("hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
    expect(ready.exitCode, ready.stderr).toBe(0);
    expect(unit.status()?.name).toBe("active");
    expect(unit.pebble.services.get(SERVICE)?.current).toBe("active");
    // The connect string comes back from the Juju secret, not from the lost container.
    expect(env(unit).POSTGRESQL_DB_CONNECT_STRING).toContain(`${PG_USER}:p%40ss%2Fw%3Ard@`);
    expect(
      readFileSync(unit.pebble.hostPath("/var/lib/httprequest-lego-provider/charm-ssh/git_key"), "utf8"),
    ).toBe(SSH_KEY);
    expect(unit.provider.migrations).toBe(migrations);
  });

  it("remove: reports and leaves the workload alone", async () => {
    const unit = await given("migrated-leader");
    const adds = unit.pebble.layerAdds;
    const run = await unit.dispatch("hooks/remove");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({ name: "maintenance", message: "Unit is being removed" });
    expect(unit.pebble.layerAdds).toBe(adds);
  });
});

describe("packed charm, a second (non-leader) unit", () => {
  it("waits for the leader's secret key", async () => {
    const unit = await given("fresh-non-leader");
    await unit.dispatch("hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
    expect(unit.status()).toEqual({
      name: "waiting",
      message: "Waiting for the leader to generate the secret key",
    });
  });

  it("once the key is there, migrates itself and starts, never writing app data", async () => {
    const unit = await given("unmigrated-non-leader");
    const run = await unit.dispatch("hooks/secret-storage-relation-changed", {
      JUJU_RELATION: "secret-storage",
      JUJU_RELATION_ID: "secret-storage:0",
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({ name: "active", message: "" });
    expect(unit.provider.migrations).toBe(1);
    expect(unit.juju.relation("secret-storage")?.localUnit?.["migrated-fingerprint"]).toBe(
      migrationFingerprint(SECRET_KEY, `postgresql://u:p@pg:5432/${APP}`, "1.0.0"),
    );
    expect(unit.juju.read().relationSets?.some((s) => s.app)).toBeFalsy();
    expect(unit.juju.read().status?.app).toBeUndefined();
  });

  it("rotate-secret-key on a non-leader fails like the 12-factor charm", async () => {
    const unit = await given("migrated-non-leader");
    const r = await unit.action("rotate-secret-key", {});
    expect(r.failed).toBe("only leader unit can rotate secret key");
  });

  it("a later event: no second migration; https repo without SSH files, plaintext credentials, debug level", async () => {
    const unit = await given("migrated-non-leader");
    const run = await unit.dispatch("hooks/update-status");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({ name: "active", message: "" });
    expect(unit.provider.migrations).toBe(1);
    const e = env(unit);
    expect(e).toMatchObject({ APP_GIT_REPO: "https://git.example.test/dns.git", APP_LOG_LEVEL: "debug" });
    expect(e.POSTGRESQL_DB_CONNECT_STRING).toBe(`postgresql://u:p@pg:5432/${APP}`);
    expect(e.APP_GIT_SSH_KEY_FILE).toBeUndefined();
    expect(unit.pebble.execs.filter((x) => x.command[0] === "ssh-keyscan")).toEqual([]);
    expect(unit.juju.read().relationSets?.some((x) => x.app)).toBeFalsy();
  });

  it("a database secret not granted yet is waiting, not a hook error", async () => {
    const unit = await given("migrated-non-leader");
    unit.juju.update((s) => {
      const pg = s.relations.find((r) => r.endpoint === "postgresql");
      if (pg) pg.remoteAppData = { endpoints: "pg:5432", database: APP, "secret-user": "secret:notyet" };
    });
    const run = await unit.dispatch("hooks/postgresql-relation-changed", {
      JUJU_RELATION: "postgresql",
      JUJU_RELATION_ID: "postgresql:3",
      JUJU_REMOTE_APP: "postgresql-k8s",
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "waiting",
      message: "Waiting for database credentials from postgresql",
    });
    expect(
      unit.juju.read().logs?.some((l) => l.level === "WARNING" && l.message.includes("secret:notyet")),
    ).toBe(true);
  });

  it("an unexpected hook-tool failure fails the hook (Juju retries it) and is logged", async () => {
    const unit = await given("migrated-non-leader");
    unit.juju.update((s) => {
      // The unit list names an application the relation does not know: relation-get fails.
      s.relations.push({
        id: "ingress:9",
        endpoint: "ingress",
        remoteApp: "gateway",
        remoteUnits: { "traefik/0": {} },
      });
    });
    const run = await unit.dispatch("hooks/update-status");
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/hooks\/update-status failed: HookToolError: relation-get failed \(exit 1\)/);
    expect(unit.juju.read().logs?.at(-1)?.level).toBe("ERROR");
  });
});
