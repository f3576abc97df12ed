/**
 * Turns git's output for a failed command into a kind the store can act on and one line an
 * operator can act on. Pure; the phrases are git's and OpenSSH's own (LC_ALL=C).
 */

import { redactCredentials } from "./redact-credentials.js";

export type GitFailureKind =
  /** Someone else pushed first: fetch, re-apply, retry. */
  | "rejected"
  /** The server's host key is unknown or changed. */
  | "host-key"
  /** The server refused our credentials. */
  | "auth"
  /** The repository or branch does not exist at the remote. */
  | "not-found"
  /** The remote could not be reached. */
  | "network"
  | "other";

export interface GitFailure {
  readonly kind: GitFailureKind;
  /** One line for the error message, already stripped of credentials. */
  readonly summary: string;
}

const RULES: ReadonlyArray<readonly [GitFailureKind, RegExp, string | undefined]> = [
  [
    "rejected",
    /\[rejected\]|\(fetch first\)|\(non-fast-forward\)|Updates were rejected|\[remote rejected\].*(cannot lock ref|failed to update ref)|incorrect old value provided/i,
    undefined,
  ],
  [
    "host-key",
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i,
    "ssh host key verification failed: the server's key is not in the known_hosts setting (APP_GIT_KNOWN_HOSTS) or has changed",
  ],
  [
    "auth",
    /Permission denied \(|Authentication failed|could not read Username|Invalid username or password|returned error: 40[13]/i,
    "the git server refused our credentials (check APP_GIT_SSH_KEY or the URL's token)",
  ],
  [
    "not-found",
    /does not appear to be a git repository|Repository not found|Could not find remote branch|couldn't find remote ref|remote branch .* not found|returned error: 404/i,
    undefined,
  ],
  [
    "network",
    /Could not resolve hostname|Connection refused|Connection timed out|Network is unreachable|Connection reset|Connection closed by|kex_exchange_identification|Could not resolve host|Failed to connect to|timed out/i,
    undefined,
  ],
];

function mainLine(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("hint:"));
  const fatal = lines.find((l) => /^(fatal|error|ERROR):/.test(l));
  const line = fatal ?? lines.at(-1) ?? "git failed without output";
  return redactCredentials(line).slice(0, 300);
}

/**
 * Whether the reason a remote gave for refusing a ref update means another writer moved the ref
 * first (fetch and retry) rather than a policy refusal such as a declining hook (retrying cannot
 * help). git words the race as "cannot lock ref '…': is at … but expected …", "failed to lock",
 * "failed to update ref" or "incorrect old value provided".
 */
export function isLostRace(reason: string): boolean {
  return /lock|incorrect old value|failed to update/.test(reason);
}

export function classifyGitFailure(output: string): GitFailure {
  for (const [kind, pattern, summary] of RULES) {
    if (pattern.test(output)) return { kind, summary: summary ?? mainLine(output) };
  }
  return { kind: "other", summary: mainLine(output) };
}
