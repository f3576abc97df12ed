// Declared starting states for scenario tests: each scenario takes one by name, runs one event
// and checks the state that comes out, so no scenario depends on what an earlier one left behind.
import type { FakeJujuState, FakeRelation } from "./doubles/juju.js";
import { APP, baseState, packedCharm, Unit } from "./harness.js";

export const SSH_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAfakefakefake\n-----END OPENSSH PRIVATE KEY-----\n";
export const REPO = "git+ssh://git@git.example.test/srv/dns.git@main";
/** The application's secret key as the leader keeps it in the peer relation (86 characters). */
export const SECRET_KEY = "k".repeat(86);
/** The database user and password the postgresql charm puts in its Juju secret. */
export const PG_SECRET_ID = "secret:pguser1";
export const PG_USER = "relation_id_3";
export const PG_PASSWORD = "p@ss/w:rd";

function peer(localApp: Record<string, string> | undefined, remoteUnits = {}): FakeRelation {
  return {
    id: "secret-storage:0",
    endpoint: "secret-storage",
    remoteApp: APP,
    peer: true,
    remoteUnits,
    ...(localApp ? { localApp } : {}),
  };
}

/** postgresql-k8s with its credentials in a Juju secret (the leader's database). */
function postgresqlWithSecret(): FakeRelation {
  return {
    id: "postgresql:3",
    endpoint: "postgresql",
    remoteApp: "postgresql-k8s",
    remoteUnits: { "postgresql-k8s/0": {} },
    remoteAppData: { endpoints: "pg-0.pg-endpoints:5432", database: APP, "secret-user": PG_SECRET_ID },
  };
}

/** postgresql-k8s with plaintext credentials in the relation (the non-leader's database). */
function postgresqlPlaintext(): FakeRelation {
  return {
    id: "postgresql:3",
    endpoint: "postgresql",
    remoteApp: "postgresql-k8s",
    remoteUnits: { "postgresql-k8s/0": {} },
    remoteAppData: { endpoints: "pg:5432", username: "u", password: "p", database: APP },
  };
}

function leaderWithDatabase(): FakeJujuState {
  return baseState({
    config: { "git-repo": REPO, "git-ssh-key": SSH_KEY },
    relations: [peer({ app_secret_key: SECRET_KEY }), postgresqlWithSecret()],
    secrets: { [PG_SECRET_ID]: { content: { username: PG_USER, password: PG_PASSWORD } } },
  });
}

function nonLeader(localApp: Record<string, string>): FakeJujuState {
  return baseState({
    unit: `${APP}/1`,
    leader: false,
    config: { "git-repo": "https://git.example.test/dns.git", "log-level": "debug" },
    relations: [peer(localApp, { [`${APP}/0`]: {} }), postgresqlPlaintext()],
  });
}

interface StartingStateSpec {
  readonly unitName: string;
  /** The Juju side: config, leadership, relations, secrets. */
  readonly juju: () => FakeJujuState;
  /** Whether the workload container's Pebble is up (a fresh container runs only the image's layer). */
  readonly pebble: "up" | "down";
  /**
   * A converged workload (the charm's plan, pushed files, migration) is what the charm itself
   * writes from the Juju side, so it is not copied here: the unit runs one event on the declared
   * Juju state and must reach this status, or the starting state is refused.
   */
  readonly converged?: { readonly name: string; readonly message?: RegExp };
}

/** Every starting state a scenario can name. */
export const STARTING_STATES = {
  /** A leader just deployed: no config, no relation but its peer, no secret key yet; Pebble down. */
  "fresh-leader": { unitName: `${APP}/0`, juju: () => baseState(), pebble: "down" },
  /** A leader with complete config and its secret key, but no postgresql relation; Pebble up. */
  "blocked-no-database": {
    unitName: `${APP}/0`,
    juju: () =>
      baseState({
        config: { "git-repo": REPO, "git-ssh-key": SSH_KEY },
        relations: [peer({ app_secret_key: SECRET_KEY })],
      }),
    pebble: "up",
  },
  /** A leader whose database credentials just arrived: nothing pushed, migrated or started yet. */
  "unmigrated-leader": { unitName: `${APP}/0`, juju: leaderWithDatabase, pebble: "up" },
  /** The same leader converged: files pushed, migrated once, layer added, service started once. */
  "migrated-leader": {
    unitName: `${APP}/0`,
    juju: leaderWithDatabase,
    pebble: "up",
    converged: { name: "active", message: /^Trusting scanned host key of git\.example\.test:22 / },
  },
  /** A second unit with config and database, before the leader has written the secret key. */
  "fresh-non-leader": { unitName: `${APP}/1`, juju: () => nonLeader({}), pebble: "up" },
  /** The second unit once the leader's secret key is in the peer relation, not migrated yet. */
  "unmigrated-non-leader": {
    unitName: `${APP}/1`,
    juju: () => nonLeader({ app_secret_key: SECRET_KEY }),
    pebble: "up",
  },
  /** The second unit converged: migrated once (its own fingerprint recorded), service started. */
  "migrated-non-leader": {
    unitName: `${APP}/1`,
    juju: () => nonLeader({ app_secret_key: SECRET_KEY }),
    pebble: "up",
    converged: { name: "active", message: /^$/ },
  },
} as const satisfies Record<string, StartingStateSpec>;

export type StartingStateName = keyof typeof STARTING_STATES;

/** A user already in the workload's database, with the domains and subdomains granted to it. */
export interface SeededUser {
  readonly staff?: boolean;
  readonly domains?: readonly string[];
  readonly subdomains?: readonly string[];
}

export interface StartingOptions {
  /** Changes to the named state's Juju side (an extra relation, other config), made before it converges. */
  readonly juju?: (state: FakeJujuState) => void;
  /** Users the workload's database already holds. */
  readonly users?: Readonly<Record<string, SeededUser>>;
}

/** A unit in the named starting state; the caller closes it. */
export async function startingState(name: StartingStateName, options: StartingOptions = {}): Promise<Unit> {
  const spec: StartingStateSpec = STARTING_STATES[name];
  const state = spec.juju();
  options.juju?.(state);
  const unit = new Unit(await packedCharm(), state, spec.unitName);
  try {
    if (spec.pebble === "up") await unit.pebble.start();
    if (spec.converged) {
      const run = await unit.dispatch("hooks/config-changed");
      const status = unit.status();
      if (
        run.exitCode !== 0 ||
        status?.name !== spec.converged.name ||
        (spec.converged.message && !spec.converged.message.test(status.message))
      ) {
        throw new Error(
          `starting state ${name} did not converge: exit ${run.exitCode}, status ${JSON.stringify(status)}\n${run.stderr}`,
        );
      }
    }
    for (const [username, user] of Object.entries(options.users ?? {})) {
      unit.provider.users.set(username, { staff: user.staff ?? false, password: `seeded-${username}-pw` });
      if (user.domains || user.subdomains)
        unit.provider.grants.set(username, {
          domains: new Set(user.domains ?? []),
          subdomains: new Set(user.subdomains ?? []),
        });
    }
  } catch (err) {
    await unit.close();
    throw err;
  }
  return unit;
}
