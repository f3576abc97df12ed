/**
 * RecordStore over a git repository of zone files.
 *
 * One writer per process keeps a persistent shallow clone under `<dataDir>/git/` and lands
 * changes in batches: every change queued while the previous push was in flight goes into one
 * commit and one push (group commit). A caller's promise settles only after its change is in the
 * remote, or with an error when it is not. The local clone is assumed current (it is, after our
 * own push) so the hot path is edit, commit, push — no clone, no fetch, no history walk; a
 * rejected push means someone else pushed: fetch the new tip shallowly, re-apply, retry with
 * jittered backoff. A change that finds nothing to do, or no zone, is re-checked against a fresh
 * fetch before it is answered, so a stale clone never produces a wrong "already done".
 */
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { DnsBackendError, ZoneNotConfiguredError } from "../errors.js";
import { classifyGitFailure, type GitFailure, isLostRace } from "./git-failure.js";
import { remoteSideEnvironment } from "./git-hardening.js";
import { type GitRemote, parseGitRemote } from "./git-remote.js";
import { GitCommandError, GitRunner, gitEnvironment } from "./git-runner.js";
import { prepareSsh, type SshSecrets, type SshSetup } from "./git-ssh.js";
import { type GitStoreMetrics, gitStoreMetrics } from "./git-store-metrics.js";
import {
  commitBody,
  type GitObject,
  gitObject,
  parseTree,
  replaceBlobs,
  serializeTree,
  type TreeEntry,
} from "./git-wire/git-objects.js";
import { buildPackFile } from "./git-wire/pack-file.js";
import { pushWithReceivePack, type ReceivePackCommand, receivePackCommand } from "./git-wire/receive-pack.js";
import { parsePushPorcelain } from "./push-result.js";
import type { RecordStore, StoreHealth, StoreResult } from "./record-store.js";
import { redactCredentials } from "./redact-credentials.js";
import { NotRegularFileError, readRegularFile, writeRegularFile } from "./regular-file.js";
import type { RemoteLock } from "./remote-lock.js";
import {
  editZone,
  formatSerialDate,
  requireSoaRecord,
  type TxtChange,
  validateTxtChange,
  ZoneFileError,
} from "./zone-file.js";
import { findZone, type ZoneFiles, zoneFilesFromTree } from "./zone-lookup.js";

export interface GitRecordStoreOptions extends SshSecrets {
  /** APP_GIT_REPO. */
  readonly repo: string;
  /** APP_DATA_DIR; the clone lives in `<dataDir>/git/`, ssh files in `<dataDir>/ssh/`. */
  readonly dataDir: string;
  readonly logger: Logger;
  readonly metrics?: Registry | undefined;
  readonly lock?: RemoteLock | undefined;
  /** Push attempts per batch before its callers get an error (default 10). */
  readonly maxAttempts?: number | undefined;
  /** Most changes in one commit (default 500). */
  readonly maxBatchSize?: number | undefined;
  /** Called after every batch with where its time went. */
  readonly onBatch?: ((timing: BatchTiming) => void) | undefined;
  /** Clock for SOA serial dates (tests). */
  readonly now?: (() => Date) | undefined;
}

export interface BatchTiming {
  readonly size: number;
  readonly outcome: "pushed" | "unchanged" | "failed";
  readonly attempts: number;
  readonly lockMs: number;
  readonly fetchMs: number;
  readonly editMs: number;
  readonly commitMs: number;
  readonly pushMs: number;
  readonly totalMs: number;
}

interface PendingChange {
  readonly change: TxtChange;
  /** One of the first changes of a replace(): the next queued change lands in the same batch. */
  readonly withNext: boolean;
  resolve(result: StoreResult): void;
  reject(err: Error): void;
  settled: boolean;
}

type PushOutcome = { ok: true } | { ok: false; failure: GitFailure };

/** The remote tip our next commit builds on, kept in memory between fetches (direct pushes). */
interface Base {
  readonly commit: string;
  readonly tree: readonly TreeEntry[];
}

interface ZoneWrite {
  readonly fileName: string;
  readonly text: string;
}

type ChangeOutcome = { kind: "changed" } | { kind: "noop" } | { kind: "error"; error: Error };

/**
 * Zone files are read and written as latin1, one char per byte, so bytes that are not valid
 * UTF-8 (an old comment, say) are written back exactly as they were.
 */
const ZONE_FILE_ENCODING = "latin1";
const AUTHOR_EMAIL = "httprequest-lego-provider@localhost";
const HEALTH_FRESH_MS = 60_000;
const HEALTH_RETRY_MS = 5_000;
const MAINTENANCE_EVERY = 500;
const PUSH_TIMEOUT_MS = 60_000;

class PhaseClock {
  readonly ms = { lock: 0, fetch: 0, edit: 0, commit: 0, push: 0 };
  async time<T>(phase: keyof PhaseClock["ms"], fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.ms[phase] += performance.now() - start;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class GitRecordStore implements RecordStore {
  readonly remote: GitRemote;
  readonly cloneDir: string;
  private readonly log: Logger;
  private readonly metrics: GitStoreMetrics;
  private readonly maxAttempts: number;
  private readonly maxBatchSize: number;
  private readonly now: () => Date;
  private readonly queue: PendingChange[] = [];
  private writer: Promise<void> | undefined;
  private started: Promise<void> | undefined;
  private git: GitRunner | undefined;
  private ssh: SshSetup | undefined;
  private branch: string | undefined;
  /**
   * file:// and ssh remotes in SHA-1 format are pushed by speaking to receive-pack directly
   * with objects built in process; anything else goes through `git commit` and `git push`.
   */
  private receivePack: ReceivePackCommand | undefined;
  /** The direct push's environment: ours minus the config meant for our own git (see there). */
  private receivePackEnv: Record<string, string> = {};
  private base: Base | undefined;
  /**
   * Zone files as of `base`, on the direct path, where pushed edits are never written to the
   * clone's working tree: reading and rewriting every touched file per batch cost more than the
   * push once zones hold thousands of records. Emptied whenever the clone is reset.
   */
  private readonly zoneTexts = new Map<string, string>();
  /**
   * Zone files of the tree our next commit builds on, from its entries and their modes, not from
   * the working tree, so that only regular files are ever zones. Our own commits only change
   * blobs, so this holds until the next fetch.
   */
  private zoneFiles: ZoneFiles = zoneFilesFromTree([]);
  /** True when the local clone may be behind the remote (start, after a failure). */
  private stale = true;
  private closing = false;
  private lastContactAt = 0;
  private lastProbeAt = 0;
  private lastError: string | undefined;
  private batchesSinceMaintenance = 0;
  private probe: Promise<void> | undefined;

  constructor(private readonly options: GitRecordStoreOptions) {
    this.remote = parseGitRemote(options.repo);
    this.log = options.logger.child({ component: "git-record-store", repo: this.remote.displayUrl });
    this.metrics = gitStoreMetrics(options.metrics);
    this.maxAttempts = options.maxAttempts ?? 10;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.now = options.now ?? (() => new Date());
    // Credentials are not part of the directory name, so rotating a token keeps the clone.
    const id = createHash("sha256")
      .update(`${this.remote.displayUrl}\n${this.remote.branch ?? ""}`)
      .digest("hex")
      .slice(0, 16);
    this.cloneDir = join(options.dataDir, "git", id);
  }

  present(fqdn: string, value: string): Promise<StoreResult> {
    return this.enqueue({ kind: "present", fqdn, value });
  }

  cleanup(fqdn: string, value?: string): Promise<StoreResult> {
    return this.enqueue({ kind: "cleanup", fqdn, value });
  }

  /** The zone serving `fqdn` and its text as of the last known tip (the propagation check reads NS). */
  async zoneOf(fqdn: string): Promise<{ zone: string; text: string } | undefined> {
    const match = findZone(fqdn, this.zoneFiles.zones);
    if (match === undefined || this.zoneFiles.unusable.has(match.fileName)) return undefined;
    return { zone: match.zone, text: await this.readZoneFile(match.fileName) };
  }

  async replace(fqdn: string, value: string, remove: readonly string[]): Promise<StoreResult> {
    const changes: TxtChange[] = [
      { kind: "present", fqdn, value },
      ...remove.filter((v) => v !== value).map((v): TxtChange => ({ kind: "cleanup", fqdn, value: v })),
    ];
    const results = await Promise.all(changes.map((c, i) => this.enqueue(c, i < changes.length - 1)));
    return { commit: results.find((r) => r.commit !== undefined)?.commit };
  }

  /** Clones (or reuses) the local copy and checks the remote is reachable. Safe to call again. */
  start(): Promise<void> {
    if (this.started === undefined) {
      this.started = this.open().catch((err: unknown) => {
        this.started = undefined;
        throw this.toBackendError(err, "open");
      });
    }
    return this.started;
  }

  async health(): Promise<StoreHealth> {
    if (this.git === undefined) {
      // Readiness must not wait for the first request: open the clone now.
      await this.start().catch(() => undefined);
      if (this.git === undefined) {
        return { ok: false, detail: this.lastError ?? "the DNS repository has not been cloned yet" };
      }
    }
    // Probe when the last contact is old, and (at most every few seconds) while the last
    // operation failed, so readiness comes back when the remote does even without traffic.
    const now = Date.now();
    const failing = this.lastError !== undefined && now - this.lastProbeAt > HEALTH_RETRY_MS;
    if (failing || now - this.lastContactAt > HEALTH_FRESH_MS) {
      this.lastProbeAt = now;
      this.probe ??= this.probeRemote().finally(() => {
        this.probe = undefined;
      });
      await this.probe;
    }
    return this.lastError === undefined
      ? { ok: true, detail: `${this.remote.displayUrl} reachable` }
      : { ok: false, detail: this.lastError };
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.writer !== undefined) await this.writer;
    await this.ssh?.close();
  }

  // ---- queue and writer ----

  private enqueue(change: TxtChange, withNext = false): Promise<StoreResult> {
    if (this.closing) {
      return Promise.reject(
        new DnsBackendError("The DNS record store is shutting down", { unavailable: true }),
      );
    }
    return new Promise<StoreResult>((resolve, reject) => {
      this.queue.push({ change, resolve, reject, settled: false, withNext });
      this.metrics.queueDepth.set(this.queue.length);
      if (!withNext) this.kick();
    });
  }

  private kick(): void {
    if (this.writer !== undefined) return;
    this.writer = this.drain().finally(() => {
      this.writer = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      // The changes of one replace() share a commit: never cut between them.
      while (batch.at(-1)?.withNext === true && this.queue.length > 0)
        batch.push(this.queue.shift() as PendingChange);
      this.metrics.queueDepth.set(this.queue.length);
      await this.runBatch(batch);
      if (this.batchesSinceMaintenance >= MAINTENANCE_EVERY && this.queue.length === 0) await this.maintain();
    }
  }

  private async runBatch(batch: PendingChange[]): Promise<void> {
    const clock = new PhaseClock();
    const started = performance.now();
    let outcome: BatchTiming["outcome"] = "failed";
    let attempts = 0;
    this.metrics.batchSize.observe(batch.length);
    try {
      await this.start();
      const land = async (): Promise<void> => {
        const r = await this.land(batch, clock);
        outcome = r.pushed ? "pushed" : "unchanged";
        attempts = r.attempts;
      };
      if (this.options.lock === undefined) await land();
      else {
        const lockStart = performance.now();
        await this.options.lock.withLock(async () => {
          clock.ms.lock += performance.now() - lockStart;
          await land();
        });
      }
    } catch (err) {
      const error = this.toBackendError(err, "push");
      const unsettled = batch.filter((p) => !p.settled);
      this.log.error(
        { err: error.message, changes: unsettled.length },
        "DNS batch failed; callers get an error",
      );
      // Clean first, so that when a caller hears of the failure nothing half-done is left.
      await this.restoreClean();
      for (const p of unsettled) settle(p, error);
    } finally {
      const timing: BatchTiming = {
        size: batch.length,
        outcome,
        attempts,
        lockMs: clock.ms.lock,
        fetchMs: clock.ms.fetch,
        editMs: clock.ms.edit,
        commitMs: clock.ms.commit,
        pushMs: clock.ms.push,
        totalMs: performance.now() - started,
      };
      for (const phase of ["lock", "fetch", "edit", "commit", "push"] as const) {
        if (clock.ms[phase] > 0) this.metrics.phaseDuration.observe({ phase }, clock.ms[phase] / 1000);
      }
      this.metrics.phaseDuration.observe({ phase: "total" }, timing.totalMs / 1000);
      this.log.debug({ timing }, "DNS batch");
      this.options.onBatch?.(timing);
    }
  }

  /** Applies, commits and pushes one batch, retrying rejected pushes. */
  private async land(
    batch: PendingChange[],
    clock: PhaseClock,
  ): Promise<{ pushed: boolean; attempts: number }> {
    let fresh = false;
    if (this.stale) {
      await clock.time("fetch", () => this.fetchTip());
      fresh = true;
    }
    let attempts = 0;
    for (;;) {
      const pending = batch.filter((p) => !p.settled);
      const { outcomes, writes } = await clock.time("edit", () => this.applyChanges(pending));
      const doubtful = [...outcomes.values()].some((o) => o.kind !== "changed");
      if (doubtful && !fresh) {
        // "Nothing to do" or "no such zone" may only mean our clone is behind: look again.
        await clock.time("fetch", () => this.fetchTip());
        fresh = true;
        continue;
      }
      for (const [p, o] of outcomes) if (o.kind === "error") settle(p, o.error);
      if (writes.length === 0) {
        for (const [p, o] of outcomes) if (o.kind !== "error") settle(p, { commit: undefined });
        return { pushed: false, attempts };
      }
      attempts += 1;
      const message = commitMessage(
        [...outcomes].filter(([, o]) => o.kind === "changed").map(([p]) => p.change),
      );
      const landing =
        this.receivePack === undefined
          ? await this.commitAndPushWithGit(writes, message, clock)
          : await this.commitAndPushDirect(this.receivePack, writes, message, clock);
      const commit = landing.commit;
      let pushed = landing.pushed;
      if (!pushed.ok && pushed.failure.kind !== "rejected" && (await this.remoteTipIs(commit))) {
        // The push failed after the remote took it (e.g. the connection dropped on the way back).
        pushed = { ok: true };
      }
      if (pushed.ok) {
        if (landing.base !== undefined) {
          this.base = landing.base;
          for (const w of writes) this.zoneTexts.set(w.fileName, w.text);
        }
        this.batchesSinceMaintenance += 1;
        for (const [p, o] of outcomes) {
          if (o.kind !== "error") settle(p, { commit: o.kind === "changed" ? commit : undefined });
        }
        return { pushed: true, attempts };
      }
      if (pushed.failure.kind !== "rejected" || attempts >= this.maxAttempts) {
        throw this.backendError(
          pushed.failure.kind === "rejected"
            ? `Could not push to the DNS repository ${this.remote.displayUrl}: other writers kept pushing first (${attempts} attempts)`
            : this.describe(pushed.failure, "push to"),
          pushed.failure.kind !== "other",
        );
      }
      this.metrics.pushRetries.inc();
      this.log.info({ attempt: attempts }, "push rejected (the remote moved on); fetching and retrying");
      await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempts));
      await clock.time("fetch", () => this.fetchTip());
      fresh = true;
    }
  }

  /** Edits the working tree; returns each change's outcome and the files that now differ. */
  private async applyChanges(
    pending: PendingChange[],
  ): Promise<{ outcomes: Map<PendingChange, ChangeOutcome>; writes: ZoneWrite[] }> {
    const outcomes = new Map<PendingChange, ChangeOutcome>();
    const { zones, unusable } = this.zoneFiles;
    const byFile = new Map<string, { zone: string; items: PendingChange[] }>();
    for (const p of pending) {
      const match = findZone(p.change.fqdn, zones);
      if (match === undefined) {
        outcomes.set(p, { kind: "error", error: new ZoneNotConfiguredError(p.change.fqdn) });
        continue;
      }
      const group = byFile.get(match.fileName) ?? { zone: match.zone, items: [] };
      group.items.push(p);
      byFile.set(match.fileName, group);
    }
    const today = formatSerialDate(this.now());
    const groups = [...byFile];
    // Reads go to the thread pool together; the edits themselves are one pass per file. A file
    // that cannot be read fails its own changes only (the rest of the batch lands).
    const texts = await Promise.allSettled(
      groups.map(([fileName]) => {
        const reason = unusable.get(fileName);
        return reason === undefined
          ? this.readZoneFile(fileName)
          : Promise.reject(new NotRegularFileError(reason));
      }),
    );
    const writes: ZoneWrite[] = [];
    for (const [index, [fileName, { zone, items }]] of groups.entries()) {
      const read = texts[index] as PromiseSettledResult<string>;
      if (read.status === "rejected") {
        const error = this.zoneFileError(fileName, read.reason);
        for (const p of items) outcomes.set(p, { kind: "error", error });
        continue;
      }
      const original = read.value;
      const valid: PendingChange[] = [];
      for (const p of items) {
        try {
          validateTxtChange(zone, p.change);
          valid.push(p);
        } catch (err) {
          outcomes.set(p, { kind: "error", error: this.zoneFileError(fileName, err) });
        }
      }
      let text: string;
      try {
        requireSoaRecord(original, zone);
        const result = editZone(
          original,
          zone,
          valid.map((p) => p.change),
          today,
        );
        for (const [i, p] of valid.entries())
          outcomes.set(p, { kind: result.changed[i] ? "changed" : "noop" });
        if (result.text === original) continue;
        text = result.text;
      } catch (err) {
        const error = this.zoneFileError(fileName, err);
        for (const p of valid) outcomes.set(p, { kind: "error", error });
        continue;
      }
      writes.push({ fileName, text });
    }
    // The direct path keeps zone texts in memory (see zoneTexts); git commit needs the files.
    const written =
      this.receivePack === undefined ? await this.writeZoneFiles(writes, byFile, outcomes) : writes;
    // Keep arrival order so the commit message lists changes as they came.
    const ordered = new Map<PendingChange, ChangeOutcome>();
    for (const p of pending) ordered.set(p, outcomes.get(p) as ChangeOutcome);
    return { outcomes: ordered, writes: written };
  }

  /** Writes the edited files for `git commit`; a file that cannot be written fails its own changes. */
  private async writeZoneFiles(
    writes: readonly ZoneWrite[],
    byFile: ReadonlyMap<string, { items: PendingChange[] }>,
    outcomes: Map<PendingChange, ChangeOutcome>,
  ): Promise<ZoneWrite[]> {
    const results = await Promise.allSettled(
      writes.map((w) => writeRegularFile(join(this.cloneDir, w.fileName), w.text, ZONE_FILE_ENCODING)),
    );
    const written: ZoneWrite[] = [];
    for (const [i, w] of writes.entries()) {
      const r = results[i] as PromiseSettledResult<void>;
      if (r.status === "fulfilled") {
        written.push(w);
        continue;
      }
      // The file may be half written: the next batch starts from a clean checkout.
      this.stale = true;
      const error = this.zoneFileError(w.fileName, r.reason);
      for (const p of byFile.get(w.fileName)?.items ?? []) {
        if (outcomes.get(p)?.kind !== "error") outcomes.set(p, { kind: "error", error });
      }
    }
    return written;
  }

  /** A zone file as of `base`: from memory on the direct path when known, else from the clone. */
  private async readZoneFile(fileName: string): Promise<string> {
    const cached = this.zoneTexts.get(fileName);
    if (cached !== undefined) return cached;
    const text = await readRegularFile(join(this.cloneDir, fileName), ZONE_FILE_ENCODING);
    if (this.receivePack !== undefined) this.zoneTexts.set(fileName, text);
    return text;
  }

  /** A failure of one zone file: named, with what is wrong, and for its own changes only. */
  private zoneFileError(fileName: string, err: unknown): Error {
    const detail =
      err instanceof ZoneFileError || err instanceof NotRegularFileError
        ? err.message
        : `it cannot be read or written (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    return this.backendError(
      `Zone file ${fileName} in the DNS repository cannot be edited: ${detail}`,
      false,
    );
  }

  /** The portable path: `git commit` of the edited files, then `git push`. */
  private async commitAndPushWithGit(
    writes: readonly ZoneWrite[],
    message: string,
    clock: PhaseClock,
  ): Promise<{ commit: string; pushed: PushOutcome; base: undefined }> {
    const git = this.requireGit();
    const files = writes.map((w) => w.fileName);
    await clock.time("commit", () => git.run(["commit", "--no-verify", "-m", message, "--", ...files]));
    const commit = await this.headCommit();
    const pushed = await clock.time("push", () => this.push());
    return { commit, pushed, base: undefined };
  }

  /**
   * The fast path: blob, tree and commit built in memory on top of the last known remote tip,
   * sent straight to the remote's receive-pack. The local clone's refs are not moved: the next
   * fetch brings them (and the objects) up to the remote, and `base` is the truth until then.
   */
  private async commitAndPushDirect(
    command: ReceivePackCommand,
    writes: readonly ZoneWrite[],
    message: string,
    clock: PhaseClock,
  ): Promise<{ commit: string; pushed: PushOutcome; base: Base }> {
    const base = this.base;
    if (base === undefined)
      throw new DnsBackendError("The DNS repository is not open", { unavailable: true });
    const start = performance.now();
    const objects: GitObject[] = [];
    const blobs = new Map<string, string>();
    for (const w of writes) {
      const blob = gitObject("blob", Buffer.from(w.text, ZONE_FILE_ENCODING));
      objects.push(blob);
      // Tree entry names are kept as latin1 bytes; file names here are UTF-8 text.
      blobs.set(Buffer.from(w.fileName, "utf8").toString("latin1"), blob.id);
    }
    const tree = replaceBlobs(base.tree, blobs);
    const treeObject = gitObject("tree", serializeTree(tree));
    const who = { name: this.remote.authorName, email: AUTHOR_EMAIL, when: new Date() };
    const commit = gitObject(
      "commit",
      commitBody({ tree: treeObject.id, parents: [base.commit], author: who, committer: who, message }),
    );
    objects.push(treeObject, commit);
    clock.ms.commit += performance.now() - start;

    const ref = `refs/heads/${this.branch}`;
    const pushStart = performance.now();
    const result = await pushWithReceivePack({
      command,
      env: this.receivePackEnv,
      ref,
      oldId: base.commit,
      newId: commit.id,
      pack: () => buildPackFile(objects),
      timeoutMs: PUSH_TIMEOUT_MS,
    });
    const ms = performance.now() - pushStart;
    clock.ms.push += ms;
    let pushed: PushOutcome;
    switch (result.status) {
      case "updated":
        this.observePush("ok", ms);
        pushed = { ok: true };
        break;
      case "stale":
        this.observePush("rejected", ms);
        pushed = { ok: false, failure: { kind: "rejected", summary: "[rejected] (fetch first)" } };
        break;
      case "refused": {
        this.observePush("rejected", ms);
        const race = isLostRace(result.reason);
        const said = hookMessage(this.redact(result.output));
        const summary = race
          ? `[remote rejected] (${result.reason})`
          : `the server refused the push: ${result.reason}${said === undefined ? "" : ` (${said})`}`;
        pushed = { ok: false, failure: { kind: race ? "rejected" : "other", summary } };
        break;
      }
      case "failed":
        this.observePush("error", ms);
        pushed = { ok: false, failure: classifyGitFailure(result.output) };
        break;
    }
    return { commit: commit.id, pushed, base: { commit: commit.id, tree } };
  }

  /** Counts a push attempt; any answer from the remote, even a refusal, is contact with it. */
  private observePush(outcome: "ok" | "rejected" | "error", ms: number): void {
    this.metrics.pushDuration.observe({ outcome }, ms / 1000);
    if (outcome !== "error") this.contact();
  }

  private async push(): Promise<PushOutcome> {
    const git = this.requireGit();
    const ref = `refs/heads/${this.branch}`;
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
      this.observePush("ok", ms);
      return { ok: true };
    }
    if (result.status === "rejected") {
      this.observePush("rejected", ms);
      // A server-side refusal (hook, protected branch) will not change on retry; a lost race will.
      const refused = /remote rejected/.test(result.summary) && !isLostRace(result.summary);
      const summary = refused ? `the server refused the push: ${result.summary}` : result.summary;
      return { ok: false, failure: { kind: refused ? "other" : "rejected", summary } };
    }
    this.observePush("error", ms);
    const failure = classifyGitFailure(
      failureOutput === "" ? `error: push not confirmed: ${result.summary}` : failureOutput,
    );
    return { ok: false, failure };
  }

  // ---- local clone ----

  private async open(): Promise<void> {
    const extraEnv: Record<string, string> = {};
    if (this.remote.transport === "ssh" && this.remote.ssh !== undefined) {
      this.ssh ??= await prepareSsh(this.options.dataDir, this.remote.ssh, this.options);
      Object.assign(extraEnv, this.ssh.env);
    }
    const env = gitEnvironment(
      { name: this.remote.authorName, email: AUTHOR_EMAIL },
      extraEnv,
      this.remote.transport,
    );
    const parent = join(this.options.dataDir, "git");
    await mkdir(parent, { recursive: true, mode: 0o700 });
    if (!(await this.reuseClone(env))) {
      await this.clone(parent, env);
    }
    this.git = this.runner(this.cloneDir, env);
    this.receivePackEnv = remoteSideEnvironment(env);
    const format = (await this.git.run(["rev-parse", "--show-object-format"])).trim();
    this.receivePack =
      this.remote.transport !== "https" && format === "sha1"
        ? receivePackCommand(this.remote.url, env.GIT_SSH_COMMAND)
        : undefined;
    await this.fetchTip();
    this.log.info({ branch: this.branch, dir: this.cloneDir }, "DNS repository ready");
  }

  private async reuseClone(env: Record<string, string>): Promise<boolean> {
    try {
      await access(join(this.cloneDir, ".git"));
    } catch {
      return false;
    }
    const git = this.runner(this.cloneDir, env);
    try {
      await git.run(["remote", "set-url", "origin", this.remote.url]);
      this.branch = this.remote.branch ?? (await git.run(["symbolic-ref", "--short", "HEAD"])).trim();
      return true;
    } catch (err) {
      this.log.warn({ err: this.redact(String(err)) }, "local clone unusable; cloning again");
      await rm(this.cloneDir, { recursive: true, force: true });
      return false;
    }
  }

  private async clone(parent: string, env: Record<string, string>): Promise<void> {
    const tmp = `${this.cloneDir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    const runner = this.runner(parent, env);
    const branchArgs = this.remote.branch === undefined ? [] : ["--branch", this.remote.branch];
    try {
      await runner.run([
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--no-tags",
        "--single-branch",
        ...branchArgs,
        "--",
        this.remote.url,
        tmp,
      ]);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    const git = this.runner(tmp, env);
    // No background gc in the hot path, no reflogs keeping old objects alive: maintain() compacts.
    await git.run(["config", "gc.auto", "0"]);
    await git.run(["config", "core.logAllRefUpdates", "false"]);
    this.branch = this.remote.branch ?? (await git.run(["symbolic-ref", "--short", "HEAD"])).trim();
    await rename(tmp, this.cloneDir);
    this.contact();
  }

  /** Asks the remote whether its branch tip is `commit` (false when it cannot be asked). */
  private async remoteTipIs(commit: string): Promise<boolean> {
    try {
      const out = await this.requireGit().run(["ls-remote", "origin", `refs/heads/${this.branch}`]);
      return out.split(/\s/)[0] === commit;
    } catch {
      return false;
    }
  }

  /** The commit just made: read from the loose ref git has just written, saving a process. */
  private async headCommit(): Promise<string> {
    try {
      const id = (
        await readFile(join(this.cloneDir, ".git", "refs", "heads", this.branch as string), "utf8")
      ).trim();
      if (/^[0-9a-f]{40,64}$/.test(id)) return id;
    } catch {
      // packed or unusual ref: ask git
    }
    return (await this.requireGit().run(["rev-parse", "HEAD"])).trim();
  }

  /** Makes the local branch exactly the remote tip (shallow: only the newest commit is fetched). */
  private async fetchTip(): Promise<void> {
    const git = this.requireGit();
    const tracking = `refs/remotes/origin/${this.branch}`;
    await git.run([
      "fetch",
      "--verbose",
      "--depth",
      "1",
      "--no-tags",
      "origin",
      `+refs/heads/${this.branch}:${tracking}`,
    ]);
    await git.run(["reset", "--hard", tracking]);
    this.zoneTexts.clear();
    if (this.receivePack !== undefined) {
      const [commit, treeId] = (await git.run(["rev-parse", "HEAD", "HEAD^{tree}"])).trim().split("\n");
      const tree = parseTree(await git.catFile("tree", treeId as string));
      this.base = { commit: commit as string, tree };
      // Tree names are latin1 byte strings; file names elsewhere are UTF-8 text.
      this.zoneFiles = zoneFilesFromTree(
        tree.map((e) => ({ mode: e.mode, name: Buffer.from(e.name, "latin1").toString("utf8") })),
      );
    } else {
      this.zoneFiles = zoneFilesFromTree(await git.listTree("HEAD"));
    }
    this.stale = false;
    this.contact();
  }

  /** After a failure: drop unpushed commits and edits; fetch before the next batch. */
  private async restoreClean(): Promise<void> {
    this.stale = true;
    this.zoneTexts.clear();
    if (this.git === undefined) return;
    try {
      await this.git.run(["reset", "--hard", `refs/remotes/origin/${this.branch}`]);
      await this.git.run(["clean", "--quiet", "-fdx"]);
    } catch (err) {
      this.log.error({ err: this.redact(String(err)) }, "local clone broken; it will be cloned again");
      this.git = undefined;
      this.started = undefined;
      await rm(this.cloneDir, { recursive: true, force: true });
    }
  }

  /** Re-shallows and compacts the clone so its size stays flat however many batches it pushed. */
  private async maintain(): Promise<void> {
    this.batchesSinceMaintenance = 0;
    try {
      await this.fetchTip();
      await this.requireGit().run(["gc", "--quiet", "--prune=now"]);
    } catch (err) {
      this.log.warn({ err: this.redact(String(err)) }, "git maintenance failed");
      this.stale = true;
    }
  }

  private async probeRemote(): Promise<void> {
    try {
      await this.requireGit().run(["ls-remote", "--heads", "origin", `refs/heads/${this.branch}`]);
      this.contact();
    } catch (err) {
      this.toBackendError(err, "reach");
    }
  }

  private contact(): void {
    this.lastContactAt = Date.now();
    if (this.lastError !== undefined) this.log.info("DNS repository reachable again");
    this.lastError = undefined;
  }

  private requireGit(): GitRunner {
    if (this.git === undefined)
      throw new DnsBackendError("The DNS repository is not open", { unavailable: true });
    return this.git;
  }

  /** Every text the store logs or answers with that may quote the URL or git's output. */
  private redact(text: string): string {
    return redactCredentials(text, this.remote.secrets);
  }

  /** The one way the store makes a backend error: its message goes to ACME clients verbatim. */
  private backendError(message: string, unavailable: boolean): DnsBackendError {
    return new DnsBackendError(this.redact(message), { unavailable });
  }

  private runner(cwd: string, env: Readonly<Record<string, string>>): GitRunner {
    return new GitRunner(cwd, env, undefined, this.remote.secrets);
  }

  private describe(failure: GitFailure, verb: string): string {
    return `Could not ${verb} the DNS repository ${this.remote.displayUrl}: ${failure.summary}`;
  }

  private toBackendError(err: unknown, verb: string): DnsBackendError {
    let error: DnsBackendError;
    if (err instanceof DnsBackendError) error = err;
    else if (err instanceof GitCommandError) {
      const failure = classifyGitFailure(err.output);
      error = this.backendError(this.describe(failure, verb), failure.kind !== "other");
    } else {
      const message = err instanceof Error ? err.message : String(err);
      error = this.backendError(
        `Could not ${verb} the DNS repository ${this.remote.displayUrl}: ${message}`,
        true,
      );
    }
    this.noteFailure(error.message);
    return error;
  }

  /** Remembers why the remote is unusable (for /readyz), logging only when the reason changes. */
  private noteFailure(message: string): void {
    if (message !== this.lastError) this.log.warn({ err: message }, "DNS repository unavailable");
    this.lastError = message;
  }
}

function settle(p: PendingChange, result: StoreResult | Error): void {
  if (p.settled) return;
  p.settled = true;
  if (result instanceof Error) p.reject(result);
  else p.resolve(result);
}

/** The last thing a refusing hook printed (its reason, usually), without git's own lines. */
function hookMessage(output: string): string | undefined {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.replace(/^remote:\s*/, "").trim())
    .filter((l) => l !== "" && !/^(error|fatal|hint|To |!)/.test(l));
  const last = lines.at(-1);
  return last?.slice(0, 200);
}

function commitMessage(changes: readonly TxtChange[]): string {
  const lines = changes
    .slice(0, 100)
    .map((c) =>
      c.kind === "present"
        ? `present ${c.fqdn} TXT "${c.value}"`
        : `cleanup ${c.fqdn} ${c.value === undefined ? "(all values)" : `TXT "${c.value}"`}`,
    );
  if (changes.length > lines.length) lines.push(`... and ${changes.length - lines.length} more`);
  const noun = changes.length === 1 ? "change" : "changes";
  return `Update ACME challenge records (${changes.length} ${noun})\n\n${lines.join("\n")}\n`;
}

export function createGitRecordStore(options: GitRecordStoreOptions): GitRecordStore {
  return new GitRecordStore(options);
}
