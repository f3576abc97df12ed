/**
 * The git revision recorded in the manifest. `pnpm build` passes it in GIT_REVISION
 * (`<sha>` or `<sha>-dirty`) so that turbo hashes it: a new commit re-runs this cheap step and
 * never replays a manifest that names an older commit. Without it, git is asked directly.
 */
import { run } from "@httprequest-lego-provider/run-command";

export interface GitRevision {
  readonly revision: string;
  readonly dirty: boolean;
}

const FORMAT = /^([0-9a-f]{40}|[0-9a-f]{64}|unknown)(-dirty)?$/;

export function parseGitRevision(value: string): GitRevision | undefined {
  const match = FORMAT.exec(value.trim());
  if (!match?.[1]) return undefined;
  return { revision: match[1], dirty: match[2] !== undefined };
}

export async function gitRevision(repoRoot: string, env: NodeJS.ProcessEnv): Promise<GitRevision> {
  const given = env.GIT_REVISION;
  if (given) {
    const parsed = parseGitRevision(given);
    if (!parsed) throw new Error(`GIT_REVISION=${JSON.stringify(given)} is not <sha>[-dirty]`);
    return parsed;
  }
  const head = await run(["git", "rev-parse", "HEAD"], { cwd: repoRoot, allowFailure: true }).catch(
    () => undefined,
  );
  if (head === undefined || head.code !== 0) return { revision: "unknown", dirty: false };
  const status = await run(["git", "status", "--porcelain", "--untracked-files=no"], {
    cwd: repoRoot,
    allowFailure: true,
  });
  return { revision: head.stdout.trim(), dirty: status.stdout.trim() !== "" };
}
