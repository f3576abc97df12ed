/**
 * The strategy of the Django app this service replaces, run on the same repositories: for every
 * request a shallow clone into a temp dir, edit, commit, push. Unlike the Django app it checks
 * the push and starts over when it was rejected, so it loses nothing and its durable rate can be
 * compared. It measures git only (no HTTP, no password hashing), which flatters the baseline.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CommandError } from "@httprequest-lego-provider/run-command";
import { gitEnv, run } from "./exec.js";

export interface BaselineRemote {
  readonly url: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface BaselineResult {
  readonly ms: number;
  readonly attempts: number;
}

export function baselineRemote(
  url: string,
  ssh?: { keyFile: string; knownHostsFile: string },
): BaselineRemote {
  if (ssh === undefined) return { url, env: gitEnv() };
  // A fresh ssh connection per git command, as the Django app did.
  const command = `ssh -F /dev/null -i ${ssh.keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${ssh.knownHostsFile}`;
  return { url, env: gitEnv({ GIT_SSH_COMMAND: command }) };
}

const MAX_ATTEMPTS = 200;

export async function baselinePresent(
  remote: BaselineRemote,
  scratch: string,
  zoneFile: string,
  owner: string,
  value: string,
  /** performance.now() after which a rejected push is no longer retried. */
  deadline: number,
): Promise<BaselineResult> {
  const start = performance.now();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const dir = await mkdtemp(join(scratch, "clone-"));
    try {
      const env = remote.env;
      await run(
        ["git", "clone", "--quiet", "--depth", "1", "--branch", "main", "--single-branch", remote.url, dir],
        { env },
      );
      const path = join(dir, zoneFile);
      await writeFile(path, `${await readFile(path, "utf8")}${owner} 600 IN TXT "${value}"\n`);
      await run(["git", "add", "--", zoneFile], { cwd: dir, env });
      await run(["git", "commit", "--quiet", "-m", `Add ${owner} record`], { cwd: dir, env });
      await run(["git", "push", "--quiet", "origin", "HEAD:main"], { cwd: dir, env });
      return { ms: performance.now() - start, attempts: attempt };
    } catch (err) {
      const rejected =
        err instanceof CommandError && /rejected|fetch first|non-fast-forward/.test(err.stderr);
      if (!rejected || performance.now() > deadline) throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`baseline push still rejected after ${MAX_ATTEMPTS} attempts`);
}
