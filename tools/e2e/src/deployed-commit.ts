/** Parsing what git hands a post-receive hook (pure). */

const ZERO_SHA = /^0+$/;

/**
 * The commit the deployed branch now points at, from post-receive's stdin ("<old> <new> <ref>"
 * per line); undefined when the push did not update that branch or deleted it.
 */
export function deployedCommit(stdin: string, branch: string): string | undefined {
  let commit: string | undefined;
  for (const line of stdin.split("\n")) {
    const [, newSha, ref] = line.trim().split(/\s+/);
    if (ref === `refs/heads/${branch}` && newSha !== undefined && !ZERO_SHA.test(newSha)) commit = newSha;
  }
  return commit;
}
