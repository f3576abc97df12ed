import { ExecError, PebbleConnectionError, PebbleError, PebbleTimeoutError } from "./pebble/errors.js";
import * as peer from "./relations/peer.js";
import type { Deps } from "./state.js";
import { cli, LAYER_LABEL, RUN_GID, RUN_UID, SERVICE, WORKING_DIR } from "./workload.js";

/** An action failed in a way the operator should read; becomes `action-fail`. */
export class ActionFailure extends Error {
  override readonly name = "ActionFailure";
}

type Params = Record<string, unknown>;
type Results = Record<string, string>;
type Handler = (deps: Deps, params: Params) => Promise<Results>;

function notReady(err: unknown): boolean {
  return err instanceof PebbleConnectionError || err instanceof PebbleTimeoutError;
}

/**
 * The running service's environment, from the workload's Pebble plan: what the last reconcile
 * configured, so the CLI sees the same database and key as the service without the action
 * reconciling anything itself.
 */
async function serviceEnvironment(deps: Deps): Promise<Record<string, string>> {
  let environment: Record<string, string> | undefined;
  try {
    environment = (await deps.pebble.getPlan()).services?.[SERVICE]?.environment;
  } catch (err) {
    if (notReady(err)) throw new ActionFailure("Service not yet ready.");
    if (err instanceof PebbleError)
      throw new ActionFailure(`Failed: cannot read the workload's plan: ${err.message}`);
    throw err;
  }
  if (!environment?.APP_SECRET_KEY || !environment.POSTGRESQL_DB_CONNECT_STRING)
    throw new ActionFailure("Service not yet ready.");
  return environment;
}

// Django's username rule (letters, digits, @ . + - _), and no leading "-" so it is never an option.
const USERNAME_RE = /^[A-Za-z0-9_.@+][A-Za-z0-9_.@+-]{0,149}$/;
const NAME_LIST_RE = /^[A-Za-z0-9_*][A-Za-z0-9_.*-]*(?:,\s*[A-Za-z0-9_*][A-Za-z0-9_.*-]*)*$/;

function username(params: Params, allowStar = false): string {
  const value = params.username;
  if (typeof value !== "string" || value === "") throw new ActionFailure("Parameter username is required.");
  if (allowStar && value === "*") return value;
  if (!USERNAME_RE.test(value)) {
    throw new ActionFailure(`Invalid username "${value}": use letters, digits and @ . + - _ (150 at most).`);
  }
  return value;
}

function nameList(params: Params, key: "domains" | "subdomains"): string | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !NAME_LIST_RE.test(value.trim())) {
    throw new ActionFailure(`Parameter ${key} must be a comma-separated list of domain names.`);
  }
  return value.trim();
}

function grantArgs(params: Params): string[] {
  const domains = nameList(params, "domains");
  const subdomains = nameList(params, "subdomains");
  if (!domains && !subdomains)
    throw new ActionFailure("At least one of 'domains' or 'subdomains' must be provided.");
  return [
    ...(domains ? [`--domains=${domains}`] : []),
    ...(subdomains ? [`--subdomains=${subdomains}`] : []),
  ];
}

/** Runs the provider's CLI in the workload with the service's environment, as the run user. */
async function runCli(deps: Deps, args: string[]): Promise<string> {
  const environment = await serviceEnvironment(deps);
  try {
    const result = await deps.pebble.exec(cli(...args), {
      environment,
      workingDir: WORKING_DIR,
      userId: RUN_UID,
      groupId: RUN_GID,
      timeoutMs: 120_000,
    });
    return result.stdout.trimEnd();
  } catch (err) {
    if (err instanceof ExecError) throw new ActionFailure(`Failed: ${(err.stderr || err.stdout).trim()}`);
    if (notReady(err)) throw new ActionFailure("Service not yet ready.");
    // Pebble refused or lost the command (no such executable, change error): say so, no traceback.
    if (err instanceof PebbleError)
      throw new ActionFailure(`Failed: could not run ${args[0]}: ${err.message}`);
    throw err;
  }
}

function parsePassword(stdout: string): string {
  try {
    const value = JSON.parse(stdout) as { password?: unknown };
    if (typeof value.password === "string" && value.password !== "") return value.password;
  } catch {
    // fall through
  }
  throw new ActionFailure("Failed: the provider did not return a generated password.");
}

/** The JSON object a `--json` command printed; a failure when it printed something else. */
function parseObject(stdout: string, command: string): Record<string, unknown> {
  try {
    const value = JSON.parse(stdout) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ActionFailure(`Failed: ${command} printed no JSON object: ${stdout.slice(0, 200)}`);
}

const names = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(",") : "");

/** deactivate-user / activate-user: the CLI says whether anything changed. */
async function setActive(deps: Deps, params: Params, active: boolean): Promise<Results> {
  const user = username(params);
  const command = active ? "activate-user" : "deactivate-user";
  const out = parseObject(await runCli(deps, [command, user, "--json"]), command);
  const changed = out.changed !== false;
  const result = active
    ? changed
      ? `Activated "${user}": its password and grants work again`
      : `"${user}" was already active`
    : changed
      ? `Deactivated "${user}": its password and tokens no longer work; its grants are kept (activate-user undoes this)`
      : `"${user}" was already inactive`;
  return { result, changed: String(changed) };
}

/** The Django charm's actions (same names, parameters and result keys) plus create-superuser, rotate-secret-key and the user lifecycle. */
export const ACTIONS: Record<string, Handler> = {
  "create-user": async (deps, params) => {
    const user = username(params);
    const password = parsePassword(await runCli(deps, ["create-user", user, "--json"]));
    return { password, result: `Created or updated "${user}" with password "${password}"` };
  },
  "create-superuser": async (deps, params) => {
    const user = username(params);
    const email = params.email;
    if (email !== undefined && (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email))) {
      throw new ActionFailure("Parameter email must be an e-mail address.");
    }
    const args = ["create-superuser", user, ...(email ? [`--email=${email}`] : []), "--json"];
    const password = parsePassword(await runCli(deps, args));
    return { password, result: `Created or updated superuser "${user}" with password "${password}"` };
  },
  "allow-domains": async (deps, params) => {
    const args = ["allow-domains", username(params), ...grantArgs(params)];
    return { result: await runCli(deps, args) };
  },
  "revoke-domains": async (deps, params) => {
    const args = ["revoke-domains", username(params), ...grantArgs(params)];
    return { result: await runCli(deps, args) };
  },
  "list-domains": async (deps, params) => {
    return { result: await runCli(deps, ["list-domains", username(params, true)]) };
  },
  "deactivate-user": (deps, params) => setActive(deps, params, false),
  "activate-user": (deps, params) => setActive(deps, params, true),
  "delete-user": async (deps, params) => {
    const user = username(params);
    const out = parseObject(await runCli(deps, ["delete-user", user, "--json"]), "delete-user");
    // What the user held, so an operator who deleted the wrong one can grant it again.
    return {
      result: `Deleted "${user}" and its grants`,
      domains: names(out.domains),
      subdomains: names(out.subdomains),
    };
  },
  "rotate-secret-key": async (deps) => {
    const { tools, ctx } = deps;
    if (!(await tools.isLeader())) throw new ActionFailure("only leader unit can rotate secret key");
    const ids = await tools.relationIds(peer.ENDPOINT);
    const id = ids[0];
    if (!id) throw new ActionFailure("charm is still initializing");
    const appData = await tools.relationGet(id, ctx.appName, true);
    if (!appData[peer.SECRET_KEY]) throw new ActionFailure("charm is still initializing");
    const key = peer.generateSecretKey();
    await tools.relationSet(id, { [peer.SECRET_KEY]: key }, true);
    // This unit gets no relation-changed for its own write: give its service the key now (the
    // other units follow on their peer relation-changed).
    await applySecretKey(deps, key);
    return { status: "success" };
  },
};

/** Restarts this unit's service with a new key, touching nothing else in its plan. */
async function applySecretKey(deps: Deps, key: string): Promise<void> {
  const { pebble, tools } = deps;
  try {
    const environment = (await pebble.getPlan()).services?.[SERVICE]?.environment;
    if (!environment?.APP_SECRET_KEY) return; // not configured yet: the next reconcile uses the new key
    await pebble.addLayer(
      LAYER_LABEL,
      { services: { [SERVICE]: { override: "merge", environment: { APP_SECRET_KEY: key } } } },
      true,
    );
    await pebble.replan();
  } catch (err) {
    if (!(err instanceof PebbleError)) throw err;
    await tools.jujuLog(
      "WARNING",
      `new secret key not applied yet (${err.message}); the next event applies it`,
    );
  }
}

/** Runs one action: unknown names and failures end in action-fail with a message. */
export async function runAction(deps: Deps, name: string): Promise<void> {
  const handler = ACTIONS[name];
  if (!handler) {
    await deps.tools.actionFail(`Unknown action ${name}.`);
    return;
  }
  try {
    const params = await deps.tools.actionGet();
    await deps.tools.actionSet(await handler(deps, params));
  } catch (err) {
    if (!(err instanceof ActionFailure)) throw err;
    await deps.tools.actionFail(err.message);
  }
}
