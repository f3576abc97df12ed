import { runAction } from "./actions.js";
import { ContextError, contextFromEnv, type JujuContext } from "./context.js";
import { isPodShutdown, parseEvent } from "./event.js";
import { HookTools } from "./hookcmds/tools.js";
import { PebbleClient } from "./pebble/client.js";
import { reconcile } from "./reconcile.js";
import type { Deps } from "./state.js";
import { pebbleSocketPath } from "./workload.js";

/** One dispatch: event -> reconcile (-> action). Returns the process exit code. */
export async function dispatch(env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  // A child of ours re-entering dispatch would loop (ops guards the same way).
  if (env.HLP_CHARM_DISPATCHING === "1") return 0;
  env.HLP_CHARM_DISPATCHING = "1";
  let ctx: JujuContext;
  try {
    ctx = contextFromEnv(env, cwd);
  } catch (err) {
    if (err instanceof ContextError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const tools = new HookTools();
  const deps: Deps = { ctx, event: parseEvent(ctx), tools, pebble: new PebbleClient(pebbleSocketPath(env)) };
  try {
    if (deps.event.kind === "action") {
      // An action does what it says and nothing else: no reconcile (docs/decisions/0313).
      await runAction(deps, deps.event.name);
    } else if (isPodShutdown(deps.event)) {
      await tools.jujuLog("INFO", "stop: the pod is shutting down; the next pod's events reconcile");
    } else {
      await reconcile(deps);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`${ctx.dispatchPath} failed: ${message}\n`);
    try {
      await tools.jujuLog("ERROR", `${ctx.dispatchPath} failed: ${message}`);
    } catch {
      // juju-log itself failing must not hide the original error
    }
    return 1;
  }
}
