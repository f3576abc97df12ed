/**
 * Deferred deploys of the test DNS side not finished yet: one empty file per process, named by
 * its pid, in a directory beside the hook's configuration, so the run can wait until the DNS side
 * has caught up with every push (pure path arithmetic).
 */
export function pendingDeploysDir(hookConfigPath: string): string {
  return `${hookConfigPath}.pending`;
}
