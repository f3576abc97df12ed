import { ExecError, PebbleConnectionError, PebbleTimeoutError } from "./pebble/errors.js";
import { reconcile } from "./reconcile.js";
import * as peer from "./relations/peer.js";
import type { Deps } from "./state.js";
import { cli, RUN_GID, RUN_UID, WORKING_DIR } from "./workload.js";

/** An action failed in a way the operator should read; becomes `action-fail`. */
export class ActionFailure extends Error {
  override readonly name = "ActionFailure";
}

type Params = Record<string, unknown>;
type Results = Record<string, string>;
type Handler = (deps: Deps, params: Params, env: () => Promise<Record<string, string>>) => Promise<Results>;

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
async function runCli(
  deps: Deps,
  env: () => Promise<Record<string, string>>,
  args: string[],
): Promise<string> {
  const environment = await env();
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
    if (err instanceof PebbleConnectionError || err instanceof PebbleTimeoutError) {
      throw new ActionFailure("Service not yet ready.");
    }
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

/** The Django charm's actions (same names, parameters and result keys) plus create-superuser and rotate-secret-key. */
export const ACTIONS: Record<string, Handler> = {
  "create-user": async (deps, params, env) => {
    const user = username(params);
    const password = parsePassword(await runCli(deps, env, ["create-user", user, "--json"]));
    return { password, result: `Created or updated "${user}" with password "${password}"` };
  },
  "create-superuser": async (deps, params, env) => {
    const user = username(params);
    const email = params.email;
    if (email !== undefined && (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email))) {
      throw new ActionFailure("Parameter email must be an e-mail address.");
    }
    const args = ["create-superuser", user, ...(email ? [`--email=${email}`] : []), "--json"];
    const password = parsePassword(await runCli(deps, env, args));
    return { password, result: `Created or updated superuser "${user}" with password "${password}"` };
  },
  "allow-domains": async (deps, params, env) => {
    const args = ["allow-domains", username(params), ...grantArgs(params)];
    return { result: await runCli(deps, env, args) };
  },
  "revoke-domains": async (deps, params, env) => {
    const args = ["revoke-domains", username(params), ...grantArgs(params)];
    return { result: await runCli(deps, env, args) };
  },
  "list-domains": async (deps, params, env) => {
    return { result: await runCli(deps, env, ["list-domains", username(params, true)]) };
  },
  "rotate-secret-key": async (deps) => {
    const { tools, ctx } = deps;
    if (!(await tools.isLeader())) throw new ActionFailure("only leader unit can rotate secret key");
    const ids = await tools.relationIds(peer.ENDPOINT);
    const id = ids[0];
    if (!id) throw new ActionFailure("charm is still initializing");
    const appData = await tools.relationGet(id, ctx.appName, true);
    if (!appData[peer.SECRET_KEY]) throw new ActionFailure("charm is still initializing");
    await tools.relationSet(id, { [peer.SECRET_KEY]: peer.generateSecretKey() }, true);
    // Apply the new key now (the other units follow on their peer relation-changed).
    await reconcile(deps);
    return { status: "success" };
  },
};

/** Runs one action: unknown names and failures end in action-fail with a message. */
export async function runAction(
  deps: Deps,
  name: string,
  env: () => Promise<Record<string, string>>,
): Promise<void> {
  const handler = ACTIONS[name];
  if (!handler) {
    await deps.tools.actionFail(`Unknown action ${name}.`);
    return;
  }
  try {
    const params = await deps.tools.actionGet();
    await deps.tools.actionSet(await handler(deps, params, env));
  } catch (err) {
    if (!(err instanceof ActionFailure)) throw err;
    await deps.tools.actionFail(err.message);
  }
}
