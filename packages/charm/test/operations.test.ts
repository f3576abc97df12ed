// Operating the packed charm on Kubernetes, state in -> event -> state out against the Juju and
// Pebble doubles: a rolling `juju refresh` of three units, config the service would refuse, pod
// shutdown vs removal, actions that do only their job, trust on first use, the ssh key as a user
// secret, and the ingress proxy as a trusted proxy.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeJujuState, FakeRelation } from "./doubles/juju.js";
import { HOST_KEY_LINE } from "./doubles/workload.js";
import { APP, baseState, packedCharm, Unit } from "./harness.js";

const SERVICE = "httprequest-lego-provider";
const KEY = "k".repeat(86);
const KEY_PATH = "/var/lib/httprequest-lego-provider/charm-ssh/git_key";
const KNOWN_HOSTS_PATH = "/var/lib/httprequest-lego-provider/charm-ssh/known_hosts";
const SSH_KEY_A =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAArevisionone\n-----END OPENSSH PRIVATE KEY-----\n";
const SSH_KEY_B =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAArevisiontwo\n-----END OPENSSH PRIVATE KEY-----\n";

function environment(unit: Unit): Record<string, string> {
  const spec = unit.pebble.plan().services?.[SERVICE] as { environment?: Record<string, string> } | undefined;
  return spec?.environment ?? {};
}

function postgresql(): FakeRelation {
  return {
    id: "postgresql:3",
    endpoint: "postgresql",
    remoteApp: "postgresql-k8s",
    remoteUnits: { "postgresql-k8s/0": {} },
    remoteAppData: { endpoints: "pg:5432", username: "u", password: "p", database: APP },
  };
}

function unitState(ordinal: number, config: Record<string, unknown>): FakeJujuState {
  const peers = [0, 1, 2].filter((j) => j !== ordinal).map((j) => [`${APP}/${j}`, {}]);
  return baseState({
    unit: `${APP}/${ordinal}`,
    leader: ordinal === 0,
    config,
    relations: [
      {
        id: "secret-storage:0",
        endpoint: "secret-storage",
        remoteApp: APP,
        peer: true,
        remoteUnits: Object.fromEntries(peers),
        // What an earlier version of this charm left: the leader's app-wide migration marker.
        localApp: { app_secret_key: KEY, "migrated-fingerprint": "left-by-an-older-charm" },
      },
      postgresql(),
    ],
  });
}

/** The pod of a unit replaced by Kubernetes with a new image: Pebble restarts on hold. */
async function replacePod(unit: Unit, version: string): Promise<void> {
  await unit.pebble.stop();
  unit.pebble.restartContainer(["/app"]);
  writeFileSync(
    unit.pebble.hostPath("/app/package.json"),
    JSON.stringify({ name: "@httprequest-lego-provider/provider", version }),
  );
  await unit.pebble.start();
}

describe("juju refresh of three units: pods replaced from the highest ordinal, the leader (unit 0) last", () => {
  const units: Unit[] = [];

  beforeAll(async () => {
    const items = await packedCharm();
    for (const ordinal of [0, 1, 2]) {
      const unit = new Unit(
        items,
        unitState(ordinal, { "git-repo": "https://git.example.test/dns.git" }),
        `${APP}/${ordinal}`,
      );
      units.push(unit);
      await unit.pebble.start();
      const run = await unit.dispatch("hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
      expect(run.exitCode, run.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    for (const unit of units) await unit.close();
  });

  it("before the refresh every unit serves, each having migrated for itself", () => {
    for (const unit of units) {
      expect(unit.status()).toEqual({ name: "active", message: "" });
      expect(unit.pebble.services.get(SERVICE)?.current).toBe("active");
      expect(unit.provider.migrations).toBe(1);
      expect(unit.juju.relation("secret-storage")?.localUnit?.["migrated-fingerprint"]).toMatch(
        /^[0-9a-f]{64}$/,
      );
    }
    // Only the leader writes the app databag: it drops the old app-wide marker.
    expect(units[0]?.juju.relation("secret-storage")?.localApp?.["migrated-fingerprint"]).toBeUndefined();
    expect(units[1]?.juju.read().relationSets?.some((s) => s.app)).toBeFalsy();
  });

  it.each([2, 1, 0])(
    "unit %i: stop, new pod, upgrade-charm, pebble-ready -> active on 1.1.0",
    async (ordinal) => {
      const unit = units[ordinal] as Unit;
      const stop = await unit.dispatch("hooks/stop");
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(unit.status()).toEqual({ name: "active", message: "" });

      await replacePod(unit, "1.1.0");
      for (const [path, env] of [
        ["hooks/upgrade-charm", {}],
        ["hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" }],
      ] as const) {
        const run = await unit.dispatch(path, env);
        expect(run.exitCode, run.stderr).toBe(0);
      }
      expect(unit.status()).toEqual({ name: "active", message: "" });
      expect(unit.pebble.services.get(SERVICE)?.current).toBe("active");
      expect(unit.juju.read().applicationVersion).toBe("1.1.0");
      // This unit ran the new version's migrations itself, once.
      expect(unit.provider.migrations).toBe(2);
      // Units not replaced yet keep serving the old version untouched.
      for (const other of units.filter((_, j) => j < ordinal)) {
        expect(other.pebble.services.get(SERVICE)?.current).toBe("active");
        expect(other.juju.read().applicationVersion).toBe("1.0.0");
      }
    },
  );
});

describe("one unit operated by hand", () => {
  let unit: Unit;
  const SECRET = "secret:d4kc0vnmp25c77oqlsb0";

  beforeAll(async () => {
    unit = new Unit(
      await packedCharm(),
      baseState({
        config: { "git-repo": "http://git.example.test/dns.git" },
        relations: [
          {
            id: "secret-storage:0",
            endpoint: "secret-storage",
            remoteApp: APP,
            peer: true,
            remoteUnits: {},
            localApp: { app_secret_key: KEY },
          },
          postgresql(),
        ],
        secrets: {
          [SECRET]: {
            owner: "model",
            content: {},
            revisions: [{ "ssh-key": SSH_KEY_A }],
          },
        },
      }),
    );
    await unit.pebble.start();
  });
  afterAll(async () => {
    await unit?.close();
  });

  it("git-repo=http://... (refused by the service) blocks the unit naming git-repo; nothing starts", async () => {
    const run = await unit.dispatch("hooks/config-changed");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "blocked",
      message: "Invalid config: git-repo plain http:// is not accepted; use https://, ssh or file://",
    });
    expect(unit.pebble.layerAdds).toBe(0);
    expect(unit.provider.migrations).toBe(0);
  });

  it("git-ssh-key-secret not granted: blocked with the command that grants it", async () => {
    unit.juju.update((s) => {
      s.config = { "git-repo": "git+ssh://git@git.example.test/srv/dns.git", "git-ssh-key-secret": SECRET };
    });
    const run = await unit.dispatch("hooks/config-changed");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(unit.status()).toEqual({
      name: "blocked",
      message: `Cannot read git-ssh-key-secret ${SECRET}; grant it: juju grant-secret ${SECRET} ${APP}`,
    });
    expect(unit.juju.read().logs?.some((l) => l.message.includes("permission denied"))).toBe(true);
  });

  it("granted: the key comes from secret-get; the scanned host key is trusted and named", async () => {
    unit.juju.update((s) => {
      const secret = s.secrets?.[SECRET];
      if (secret) secret.granted = [APP];
    });
    const run = await unit.dispatch("hooks/config-changed");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(unit.pebble.hostPath(KEY_PATH), "utf8")).toBe(SSH_KEY_A);
    expect(JSON.stringify(unit.pebble.plan())).not.toContain("revisionone");

    const blob = HOST_KEY_LINE.split(" ")[2] ?? "";
    const fingerprint = `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
    expect(unit.status()).toEqual({
      name: "active",
      message: `Trusting scanned host key of git.example.test:22 (ED25519 ${fingerprint}); pin it with git-known-hosts`,
    });
    const log = unit.juju.read().logs?.find((l) => l.level === "WARNING" && l.message.includes(fingerprint));
    expect(log?.message).toContain("set git-known-hosts");
  });

  it("a new secret revision is used on secret-changed (secret-get --refresh), not before; the service restarts with it", async () => {
    unit.juju.update((s) => {
      s.secrets?.[SECRET]?.revisions?.push({ "ssh-key": SSH_KEY_B });
    });
    const starts = unit.pebble.services.get(SERVICE)?.starts ?? 0;
    await unit.dispatch("hooks/update-status");
    expect(readFileSync(unit.pebble.hostPath(KEY_PATH), "utf8")).toBe(SSH_KEY_A);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(starts);
    const run = await unit.dispatch("hooks/secret-changed", { JUJU_SECRET_ID: SECRET });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(unit.pebble.hostPath(KEY_PATH), "utf8")).toBe(SSH_KEY_B);
    // The service reads the key once: only a restart makes it use the new one.
    expect(unit.pebble.services.get(SERVICE)).toMatchObject({ current: "active", starts: starts + 1 });
    expect(JSON.stringify(unit.pebble.plan())).not.toContain("revisiontwo");
    const gets = (unit.juju.read().calls ?? []).filter((c) => c[0] === "secret-get" && c.includes(SECRET));
    expect(gets.at(-1)).toContain("--refresh");
    expect(gets.at(-2)).not.toContain("--refresh");
  });

  it("git-known-hosts set: the key is pinned, the service restarted to read it, the status no longer mentions trust", async () => {
    const starts = unit.pebble.services.get(SERVICE)?.starts ?? 0;
    unit.juju.update((s) => {
      s.config["git-known-hosts"] = HOST_KEY_LINE;
    });
    await unit.dispatch("hooks/config-changed");
    expect(unit.status()).toEqual({ name: "active", message: "" });
    expect(readFileSync(unit.pebble.hostPath(KNOWN_HOSTS_PATH), "utf8")).toBe(`${HOST_KEY_LINE}\n`);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(starts + 1);
  });

  it("a new host key in git-known-hosts restarts the service again; the same value twice does not", async () => {
    const starts = unit.pebble.services.get(SERVICE)?.starts ?? 0;
    const rotated = HOST_KEY_LINE.replace(
      / \S+$/,
      " AAAAC3NzaC1lZDI1NTE5AAAAIRotatedHostKeyRotatedHostKeyRotated",
    );
    unit.juju.update((s) => {
      s.config["git-known-hosts"] = rotated;
    });
    await unit.dispatch("hooks/config-changed");
    await unit.dispatch("hooks/config-changed");
    expect(readFileSync(unit.pebble.hostPath(KNOWN_HOSTS_PATH), "utf8")).toBe(`${rotated}\n`);
    expect(unit.pebble.services.get(SERVICE)?.starts).toBe(starts + 1);
    expect(unit.status()).toEqual({ name: "active", message: "" });
  });

  it("ingress: the proxy's egress subnets become APP_TRUSTED_PROXIES in the Pebble layer", async () => {
    unit.juju.update((s) => {
      s.relations.push({
        id: "ingress:5",
        endpoint: "ingress",
        remoteApp: "traefik",
        remoteUnits: {
          "traefik/0": { "egress-subnets": "10.1.0.7/32", "ingress-address": "10.1.0.7" },
          "traefik/1": { "ingress-address": "10.1.1.9" },
        },
        remoteAppData: { ingress: JSON.stringify({ url: "https://dns.example.test/dns-app" }) },
      });
    });
    const run = await unit.dispatch("hooks/ingress-relation-changed", {
      JUJU_RELATION: "ingress",
      JUJU_RELATION_ID: "ingress:5",
      JUJU_REMOTE_APP: "traefik",
      JUJU_REMOTE_UNIT: "traefik/0",
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(environment(unit)).toMatchObject({
      APP_BASE_URL: "https://dns.example.test/dns-app",
      APP_TRUSTED_PROXIES: "10.1.0.7/32,10.1.1.9/32",
    });
    await unit.dispatch("hooks/ingress-relation-broken", {
      JUJU_RELATION: "ingress",
      JUJU_RELATION_ID: "ingress:5",
      JUJU_REMOTE_APP: "traefik",
    });
    expect(environment(unit).APP_TRUSTED_PROXIES).toBeUndefined();
    unit.juju.update((s) => {
      s.relations = s.relations.filter((r) => r.endpoint !== "ingress");
    });
  });

  it("an action runs its command and nothing else: no reconcile", async () => {
    const before = {
      calls: unit.juju.read().calls?.length ?? 0,
      adds: unit.pebble.layerAdds,
      migrations: unit.provider.migrations,
    };
    const r = await unit.action("create-user", { username: "certbot" });
    expect(r.failed).toBeUndefined();
    expect(r.results.password).toBe(unit.provider.users.get("certbot")?.password);
    // No config-get, relation-*, status-set, open-port: the action read its params and answered.
    const tools = (unit.juju.read().calls ?? []).slice(before.calls).map((c) => c[0]);
    expect(tools).toEqual(["action-get", "action-set"]);
    expect(unit.pebble.layerAdds).toBe(before.adds);
    expect(unit.provider.migrations).toBe(before.migrations);
    expect(unit.pebble.execs.at(-1)?.environment.POSTGRESQL_DB_CONNECT_STRING).toBe(
      `postgresql://u:p@pg:5432/${APP}`,
    );
  });

  it("an action whose Pebble exec fails ends in action-fail with a readable message", async () => {
    unit.pebble.missingExecutables.add("/usr/bin/node");
    const r = await unit.action("list-domains", { username: "certbot" });
    unit.pebble.missingExecutables.delete("/usr/bin/node");
    expect(r.exitCode).toBe(0);
    expect(r.failed).toMatch(
      /^Failed: could not run list-domains: .*cannot find executable "\/usr\/bin\/node"/,
    );
  });

  it("stop (a pod shutdown) claims nothing and touches nothing; remove says the unit is going", async () => {
    const status = unit.status();
    const adds = unit.pebble.layerAdds;
    const stop = await unit.dispatch("hooks/stop");
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(unit.status()).toEqual(status);
    expect(unit.pebble.layerAdds).toBe(adds);
    const remove = await unit.dispatch("hooks/remove");
    expect(remove.exitCode, remove.stderr).toBe(0);
    expect(unit.status()).toEqual({ name: "maintenance", message: "Unit is being removed" });
  });
});
