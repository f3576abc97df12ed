/**
 * How the git store turns a batch of edited zone files into a commit on the remote. There are
 * two ways (decision 0105): `git commit` + `git push` (`git-command-push.ts`), and objects built
 * in memory and sent straight to the remote's receive-pack (`receive-pack-push.ts`). Each owns
 * how it reads zone files, commits, pushes and moves the base its next commit builds on; the
 * store keeps the queue, the batching and the retries.
 */
import type { GitFailure } from "./git-failure.js";
import type { GitRunner } from "./git-runner.js";
import type { ZoneFiles } from "./zone-lookup.js";

/**
 * Zone files are read and written as latin1, one char per byte, so bytes that are not valid
 * UTF-8 (an old comment, say) are written back exactly as they were.
 */
export const ZONE_FILE_ENCODING = "latin1";
export const AUTHOR_EMAIL = "httprequest-lego-provider@localhost";

export type PushOutcome = { ok: true } | { ok: false; failure: GitFailure };

export interface ZoneWrite {
  readonly fileName: string;
  readonly text: string;
}

/** Where a batch's time went; each push path adds its commit and push time. */
export class PhaseClock {
  readonly ms = { fetch: 0, edit: 0, commit: 0, push: 0 };
  async time<T>(phase: keyof PhaseClock["ms"], fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.ms[phase] += performance.now() - start;
    }
  }
}

/** What a push path needs from the store that owns the clone. */
export interface PushContext {
  readonly cloneDir: string;
  readonly authorName: string;
  /** The open clone's runner (throws when the clone is not open). */
  git(): GitRunner;
  /** The branch pushed to (known once the clone is open). */
  branch(): string;
  /** Counts a push attempt; any answer from the remote, even a refusal, is contact with it. */
  observePush(outcome: "ok" | "rejected" | "error", ms: number): void;
  /** Removes credentials from text that may quote the URL or git's output. */
  redact(text: string): string;
}

/** A zone file the path could not stage for commit, with why. */
export interface StageFailure {
  readonly fileName: string;
  readonly reason: unknown;
}

export interface PushPath {
  /**
   * The clone has just been reset to the remote tip: make it the base and return its zone
   * files, from the tree's entries and their modes (never the working tree), so that only
   * regular files are ever zones.
   */
  moveToTip(): Promise<ZoneFiles>;
  /** Forgets what it knows of the base beyond the clone (after the clone is reset). */
  forget(): void;
  /** A zone file as of the base. */
  readZoneFile(fileName: string): Promise<string>;
  /** Makes edited files ready to commit; a file that cannot be fails its own changes only. */
  stage(writes: readonly ZoneWrite[]): Promise<{ staged: ZoneWrite[]; failed: StageFailure[] }>;
  /** Commits the staged files on top of the base and pushes the commit. */
  commitAndPush(
    writes: readonly ZoneWrite[],
    message: string,
    clock: PhaseClock,
  ): Promise<{ commit: string; pushed: PushOutcome }>;
  /** The remote now has `commit` (made of `writes`): the next commit builds on it. */
  landed(commit: string, writes: readonly ZoneWrite[]): void;
}
