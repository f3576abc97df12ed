/**
 * The portable push path: the edited files are written to the clone's working tree, committed
 * with `git commit` and sent with `git push` (`https` remotes, SHA-256 repositories).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyGitFailure, isLostRace } from "./git-failure.js";
import { GitCommandError } from "./git-runner.js";
import {
  type PhaseClock,
  type PushContext,
  type PushOutcome,
  type PushPath,
  type StageFailure,
  ZONE_FILE_ENCODING,
  type ZoneWrite,
} from "./push-path.js";
import { parsePushPorcelain } from "./push-result.js";
import { readRegularFile, writeRegularFile } from "./regular-file.js";
import { type ZoneFiles, zoneFilesFromTree } from "./zone-lookup.js";

export class GitCommandPush implements PushPath {
  constructor(private readonly context: PushContext) {}

  async moveToTip(): Promise<ZoneFiles> {
    return zoneFilesFromTree(await this.context.git().listTree("HEAD"));
  }

  forget(): void {
    // Nothing is kept beyond the clone's working tree.
  }

  readZoneFile(fileName: string): Promise<string> {
    return readRegularFile(join(this.context.cloneDir, fileName), ZONE_FILE_ENCODING);
  }

  /** Writes the edited files for `git commit`. */
  async stage(writes: readonly ZoneWrite[]): Promise<{ staged: ZoneWrite[]; failed: StageFailure[] }> {
    const results = await Promise.allSettled(
      writes.map((w) =>
        writeRegularFile(join(this.context.cloneDir, w.fileName), w.text, ZONE_FILE_ENCODING),
      ),
    );
    const staged: ZoneWrite[] = [];
    const failed: StageFailure[] = [];
    for (const [i, w] of writes.entries()) {
      const r = results[i] as PromiseSettledResult<void>;
      if (r.status === "fulfilled") staged.push(w);
      else failed.push({ fileName: w.fileName, reason: r.reason });
    }
    return { staged, failed };
  }

  async commitAndPush(
    writes: readonly ZoneWrite[],
    message: string,
    clock: PhaseClock,
  ): Promise<{ commit: string; pushed: PushOutcome }> {
    const git = this.context.git();
    const files = writes.map((w) => w.fileName);
    await clock.time("commit", () => git.run(["commit", "--no-verify", "-m", message, "--", ...files]));
    const commit = await this.headCommit();
    const pushed = await clock.time("push", () => this.push());
    return { commit, pushed };
  }

  landed(): void {
    // The clone's branch is the commit just pushed.
  }

  /** The commit just made: read from the loose ref git has just written, saving a process. */
  private async headCommit(): Promise<string> {
    try {
      const id = (
        await readFile(join(this.context.cloneDir, ".git", "refs", "heads", this.context.branch()), "utf8")
      ).trim();
      if (/^[0-9a-f]{40,64}$/.test(id)) return id;
    } catch {
      // packed or unusual ref: ask git
    }
    return (await this.context.git().run(["rev-parse", "HEAD"])).trim();
  }

  private async push(): Promise<PushOutcome> {
    const git = this.context.git();
    const ref = `refs/heads/${this.context.branch()}`;
    const start = performance.now();
    let stdout: string;
    let failureOutput = "";
    try {
      stdout = await git.run(["push", "--porcelain", "origin", `HEAD:${ref}`]);
    } catch (err) {
      if (!(err instanceof GitCommandError)) throw err;
      stdout = err.stdout;
      failureOutput = err.output;
    }
    const result = parsePushPorcelain(stdout, ref);
    const ms = performance.now() - start;
    if (result.status === "updated" || result.status === "up-to-date") {
      this.context.observePush("ok", ms);
      return { ok: true };
    }
    if (result.status === "rejected") {
      this.context.observePush("rejected", ms);
      // A server-side refusal (hook, protected branch) will not change on retry; a lost race will.
      const refused = /remote rejected/.test(result.summary) && !isLostRace(result.summary);
      const summary = refused ? `the server refused the push: ${result.summary}` : result.summary;
      return { ok: false, failure: { kind: refused ? "other" : "rejected", summary } };
    }
    this.context.observePush("error", ms);
    const failure = classifyGitFailure(
      failureOutput === "" ? `error: push not confirmed: ${result.summary}` : failureOutput,
    );
    return { ok: false, failure };
  }
}
