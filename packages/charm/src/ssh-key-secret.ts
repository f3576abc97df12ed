import { sshKeyProblem } from "./config.js";
import { HookToolError } from "./hookcmds/run.js";
import type { Deps } from "./state.js";

/** The key inside the user secret named by `git-ssh-key-secret`. */
export const SSH_KEY_SECRET_FIELD = "ssh-key";

/**
 * Reads the private key from a Juju user secret. `--refresh` only on secret-changed: otherwise
 * secret-get returns the revision this unit already tracks, as Juju's consumers are meant to.
 * A secret the application cannot read becomes a problem that names the command to grant it.
 */
export async function readSshKeySecret(
  deps: Deps,
  id: string,
): Promise<{ key: string } | { problem: string }> {
  const { event, tools, ctx } = deps;
  const refresh = event.kind === "secret" && event.phase === "changed";
  let content: Record<string, string>;
  try {
    content = await tools.secretGet(id, { refresh });
  } catch (err) {
    if (!(err instanceof HookToolError)) throw err;
    await tools.jujuLog("WARNING", `cannot read git-ssh-key-secret ${id}: ${err.stderr.trim()}`);
    return {
      problem: `Cannot read git-ssh-key-secret ${id}; grant it: juju grant-secret ${id} ${ctx.appName}`,
    };
  }
  const key = content[SSH_KEY_SECRET_FIELD];
  if (!key) return { problem: `git-ssh-key-secret ${id} has no key "${SSH_KEY_SECRET_FIELD}"` };
  const problem = sshKeyProblem(key);
  if (problem) return { problem: `git-ssh-key-secret ${id} "${SSH_KEY_SECRET_FIELD}" ${problem}` };
  return { key: key.endsWith("\n") ? key : `${key}\n` };
}
