/**
 * The Juju environment of one dispatch, read once at the edge.
 * Variables: https://documentation.ubuntu.com/juju/3.6/reference/hook/ (and ops' jujucontext.py).
 */
export interface JujuContext {
  /** JUJU_DISPATCH_PATH: `hooks/<name>` or `actions/<name>`. */
  readonly dispatchPath: string;
  /** JUJU_UNIT_NAME, e.g. `httprequest-lego-provider/0`. */
  readonly unitName: string;
  /** Application name: the part of the unit name before `/`. */
  readonly appName: string;
  /** JUJU_MODEL_NAME. */
  readonly modelName: string;
  /** JUJU_MODEL_UUID. */
  readonly modelUuid: string;
  /** JUJU_CHARM_DIR (defaults to the working directory, which Juju sets to the charm dir). */
  readonly charmDir: string;
  /** JUJU_VERSION, `0.0.0` when absent. */
  readonly jujuVersion: string;
  /** JUJU_RELATION (endpoint name) in relation hooks. */
  readonly relationName?: string;
  /** JUJU_RELATION_ID, e.g. `postgresql:3`. */
  readonly relationId?: string;
  /** JUJU_REMOTE_APP in relation hooks. */
  readonly remoteApp?: string;
  /** JUJU_REMOTE_UNIT in relation unit hooks. */
  readonly remoteUnit?: string;
  /** JUJU_DEPARTING_UNIT in relation-departed. */
  readonly departingUnit?: string;
  /** JUJU_WORKLOAD_NAME in `<container>-pebble-*` hooks. */
  readonly workloadName?: string;
  /** JUJU_ACTION_NAME in actions. */
  readonly actionName?: string;
  /** JUJU_ACTION_UUID in actions. */
  readonly actionUuid?: string;
  /** JUJU_SECRET_ID in secret hooks. */
  readonly secretId?: string;
  /** JUJU_SECRET_LABEL in secret hooks. */
  readonly secretLabel?: string;
}

export class ContextError extends Error {
  override readonly name = "ContextError";
}

const REQUIRED = ["JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME", "JUJU_MODEL_NAME"] as const;

function optional(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value === "" ? undefined : value;
}

/** Reads the JUJU_* variables into a frozen context; throws naming every missing variable. */
export function contextFromEnv(env: NodeJS.ProcessEnv, cwd: string): JujuContext {
  const missing = REQUIRED.filter((key) => !optional(env, key));
  if (missing.length > 0) {
    throw new ContextError(
      `not running under Juju: missing ${missing.join(", ")} (dispatch must be started by the Juju unit agent)`,
    );
  }
  const unitName = env.JUJU_UNIT_NAME as string;
  if (!/^[a-z][a-z0-9-]*\/[0-9]+$/.test(unitName)) {
    throw new ContextError(`JUJU_UNIT_NAME "${unitName}" is not of the form <application>/<number>`);
  }
  const ctx: JujuContext = {
    dispatchPath: env.JUJU_DISPATCH_PATH as string,
    unitName,
    appName: unitName.slice(0, unitName.indexOf("/")),
    modelName: env.JUJU_MODEL_NAME as string,
    modelUuid: optional(env, "JUJU_MODEL_UUID") ?? "",
    charmDir: optional(env, "JUJU_CHARM_DIR") ?? cwd,
    jujuVersion: optional(env, "JUJU_VERSION") ?? "0.0.0",
    ...pick(env, {
      relationName: "JUJU_RELATION",
      relationId: "JUJU_RELATION_ID",
      remoteApp: "JUJU_REMOTE_APP",
      remoteUnit: "JUJU_REMOTE_UNIT",
      departingUnit: "JUJU_DEPARTING_UNIT",
      workloadName: "JUJU_WORKLOAD_NAME",
      actionName: "JUJU_ACTION_NAME",
      actionUuid: "JUJU_ACTION_UUID",
      secretId: "JUJU_SECRET_ID",
      secretLabel: "JUJU_SECRET_LABEL",
    }),
  };
  return Object.freeze(ctx);
}

function pick(env: NodeJS.ProcessEnv, keys: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(keys)) {
    const value = optional(env, key);
    if (value !== undefined) out[field] = value;
  }
  return out;
}
