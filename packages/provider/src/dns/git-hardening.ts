/**
 * Settings every git the store runs gets on its command line (GIT_CONFIG_COUNT, which outranks
 * any repository config), so that nothing a DNS repository carries, and nothing in the clone's
 * own `.git/config`, can make git run code or reach elsewhere. Pure.
 */
import type { GitTransport } from "./git-remote.js";

export function hardenedGitConfig(transport: GitTransport): ReadonlyArray<readonly [string, string]> {
  return [
    // No hooks (commit, reference-transaction, ...) and no filesystem monitor command.
    ["core.hooksPath", "/dev/null"],
    ["core.fsmonitor", "false"],
    // Links are checked out as plain files holding the target: nothing in the clone is a link.
    ["core.symlinks", "false"],
    // Only the configured transport: no ext:: commands, no file:// unless that is the remote,
    // no downgrade to http://, whatever a URL, redirect or submodule asks for.
    ["protocol.allow", "never"],
    [`protocol.${transport}.allow`, "always"],
    // Never a credential helper or prompt: the token, if any, is in APP_GIT_REPO.
    ["credential.helper", ""],
    ["core.askPass", ""],
    ["submodule.recurse", "false"],
    ["fetch.recurseSubmodules", "false"],
  ];
}

/** GIT_CONFIG_COUNT/KEY_n/VALUE_n for `config`, plus the hardening variables git reads directly. */
export function hardenedGitEnvironment(transport: GitTransport): Record<string, string> {
  const config = hardenedGitConfig(transport);
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: String(config.length),
    // protocol.*.allow=user would trust this; we never use "user", and say so.
    GIT_PROTOCOL_FROM_USER: "0",
    // A zone file named like pathspec magic (":(glob)*") is only ever itself.
    GIT_LITERAL_PATHSPECS: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
  };
  for (const [i, [key, value]] of config.entries()) {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  }
  return env;
}

/**
 * The environment for a receive-pack we start ourselves on a local (file://) remote: without our
 * command-line config, as `git push` does for a local remote (git's local_repo_env), so the
 * remote repository runs its own hooks and settings exactly as it would for `git push`.
 */
export function remoteSideEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!/^GIT_(CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)|NO_REPLACE_OBJECTS)$/.test(key)) out[key] = value;
  }
  return out;
}
