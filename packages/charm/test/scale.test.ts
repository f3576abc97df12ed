// `juju scale-application httprequest-lego-provider 3`, with the Juju and Pebble doubles: the
// leader runs alone first, then two more units join. Juju shares the peer relation's application
// databag between units; the doubles keep one state per unit, so `shareAppData` plays that part.
// The test does not care which unit migrates the database, only that every unit ends active with
// the same database, repository and secret key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeJujuState } from "./doubles/juju.js";
import { APP, baseState, packedCharm, Unit } from "./harness.js";

const SERVICE = "httprequest-lego-provider";
const REPO = "https://git.example.test/dns.git";
const DB_URL = `postgresql://relation_id_3:pw@pg-0.pg-endpoints:5432/${APP}`;
const NAMES = [0, 1, 2].map((i) => `${APP}/${i}`);

function stateFor(index: number): FakeJujuState {
  const name = NAMES[index] ?? "";
  return baseState({
    unit: name,
    leader: index === 0,
    config: { "git-repo": REPO },
    relations: [
      {
        id: "secret-storage:0",
        endpoint: "secret-storage",
        remoteApp: APP,
        peer: true,
        remoteUnits: {},
        localApp: {},
      },
      {
        id: "postgresql:3",
        endpoint: "postgresql",
        remoteApp: "postgresql-k8s",
        remoteUnits: { "postgresql-k8s/0": {} },
        remoteAppData: {
          endpoints: "pg-0.pg-endpoints:5432",
          username: "relation_id_3",
          password: "pw",
          database: APP,
        },
      },
    ],
  });
}

/** What Juju does between hooks: every unit sees the peer application databag the leader wrote. */
function shareAppData(units: readonly Unit[]): void {
  const [leader, ...others] = units;
  const data = leader?.juju.relation("secret-storage")?.localApp ?? {};
  const names = units.map((u) => u.juju.read().unit);
  for (const unit of units) {
    unit.juju.update((s) => {
      const peer = s.relations.find((r) => r.endpoint === "secret-storage");
      if (!peer) return;
      peer.remoteUnits = Object.fromEntries(names.filter((n) => n !== s.unit).map((n) => [n, {}]));
      if (others.includes(unit)) peer.localApp = { ...data };
    });
  }
}

const PEER = { JUJU_RELATION: "secret-storage", JUJU_RELATION_ID: "secret-storage:0" };

async function dispatchAll(
  units: readonly Unit[],
  path: string,
  env: Record<string, string> = {},
): Promise<void> {
  for (const unit of units) {
    const run = await unit.dispatch(path, env);
    expect(run.exitCode, `${unit.juju.read().unit} ${path}: ${run.stderr}`).toBe(0);
  }
  shareAppData(units);
}

/** Peer relation-changed rounds until every unit is active (or the rounds run out). */
async function settle(units: readonly Unit[]): Promise<void> {
  for (let round = 0; round < 4 && units.some((u) => u.status()?.name !== "active"); round++) {
    await dispatchAll(units, "hooks/secret-storage-relation-changed", PEER);
  }
}

function env(unit: Unit): Record<string, string> {
  const spec = unit.pebble.plan().services?.[SERVICE] as { environment?: Record<string, string> } | undefined;
  return spec?.environment ?? {};
}

// Each dispatch starts the packed charm's Node; three units take a while on a busy machine.
describe("scale-application to 3 units", { timeout: 240_000 }, () => {
  const units: Unit[] = [];
  beforeAll(async () => {
    const items = await packedCharm();
    for (const [i, name] of NAMES.entries()) {
      const unit = new Unit(items, stateFor(i), name);
      await unit.pebble.start();
      units.push(unit);
    }
  });
  afterAll(async () => {
    await Promise.all(units.map((u) => u.close()));
  });

  it("the leader alone becomes active", async () => {
    const leader = units.slice(0, 1);
    await dispatchAll(leader, "hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
    await settle(leader);
    expect(units[0]?.status()).toEqual({ name: "active", message: "" });
  });

  it("two more units join: all three active, on the same database, repository and secret key", async () => {
    const joining = units.slice(1);
    for (const unit of joining) {
      const run = await unit.dispatch("hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
      expect(run.exitCode, run.stderr).toBe(0);
    }
    shareAppData(units);
    await dispatchAll(units, "hooks/secret-storage-relation-joined", PEER);
    await settle(units);

    expect(units.map((u) => u.status())).toEqual(NAMES.map(() => ({ name: "active", message: "" })));
    const key = units[0]?.juju.relation("secret-storage")?.localApp?.app_secret_key;
    expect(key).toMatch(/.{40,}/);
    for (const unit of units) {
      expect(env(unit)).toMatchObject({
        POSTGRESQL_DB_CONNECT_STRING: DB_URL,
        APP_GIT_REPO: REPO,
        APP_SECRET_KEY: key,
      });
      expect(unit.pebble.services.get(SERVICE)?.current).toBe("active");
      expect(unit.juju.read().openedPorts).toEqual(["8080/tcp"]);
    }
    // Someone migrated the shared database; only the leader wrote application data.
    expect(units.reduce((n, u) => n + u.provider.migrations, 0)).toBeGreaterThanOrEqual(1);
    for (const unit of joining) expect(unit.juju.read().relationSets?.some((s) => s.app)).toBeFalsy();
    // The leader's service was not restarted by units joining.
    expect(units[0]?.pebble.services.get(SERVICE)?.starts).toBe(1);
  });

  it("a unit leaving (scale back to 2) changes nothing on the others", async () => {
    const [leader, second, third] = units;
    if (!leader || !second || !third) throw new Error("three units expected");
    const before = [leader, second].map((u) => ({
      adds: u.pebble.layerAdds,
      starts: u.pebble.services.get(SERVICE)?.starts,
    }));
    third.juju.update((s) => {
      s.relations = s.relations.filter((r) => r.endpoint !== "secret-storage");
    });
    for (const unit of [leader, second]) {
      unit.juju.update((s) => {
        const peer = s.relations.find((r) => r.endpoint === "secret-storage");
        if (peer) delete peer.remoteUnits?.[NAMES[2] ?? ""];
      });
      const run = await unit.dispatch("hooks/secret-storage-relation-departed", {
        ...PEER,
        JUJU_REMOTE_UNIT: NAMES[2] ?? "",
        JUJU_DEPARTING_UNIT: NAMES[2] ?? "",
      });
      expect(run.exitCode, run.stderr).toBe(0);
    }
    expect([leader, second].map((u) => u.status()?.name)).toEqual(["active", "active"]);
    expect(
      [leader, second].map((u) => ({
        adds: u.pebble.layerAdds,
        starts: u.pebble.services.get(SERVICE)?.starts,
      })),
    ).toEqual(before);
  });
});
