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
import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { DnsBackendError, ZoneNotConfiguredError } from "../errors.js";
import { GitCommandPush } from "./git-command-push.js";
import { classifyGitFailure, type GitFailure } from "./git-failure.js";
import { remoteSideEnvironment } from "./git-hardening.js";
import { type GitRemote, parseGitRemote } from "./git-remote.js";
import { GitCommandError, GitRunner, gitEnvironment } from "./git-runner.js";
import { prepareSsh, type SshSecrets, type SshSetup } from "./git-ssh.js";
import { type GitStoreMetrics, gitStoreMetrics } from "./git-store-metrics.js";
import { receivePackCommand } from "./git-wire/receive-pack.js";
import { AUTHOR_EMAIL, PhaseClock, type PushContext, type PushPath, type ZoneWrite } from "./push-path.js";
import { ReceivePackPush } from "./receive-pack-push.js";
import type { RecordStore, StoreHealth, StoreResult } from "./record-store.js";
import { redactCredentials } from "./redact-credentials.js";
import { NotRegularFileError } from "./regular-file.js";
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
  /** Push attempts per batch before its callers get an error (default 10). */
  readonly maxAttempts?: number | undefined;
  /** Most changes in one commit (default 500). */
  readonly maxBatchSize?: number | undefined;
  /** Batches between two compactions of the local clone (default 500; tests). */
  readonly maintenanceEvery?: number | undefined;
  /** Called after every batch with where its time went. */
  readonly onBatch?: ((timing: BatchTiming) => void) | undefined;
  /** Clock for SOA serial dates (tests). */
  readonly now?: (() => Date) | undefined;
}

export interface BatchTiming {
  readonly size: number;
  readonly outcome: "pushed" | "unchanged" | "failed";
  readonly attempts: number;
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

type ChangeOutcome = { kind: "changed" } | { kind: "noop" } | { kind: "error"; error: Error };

const HEALTH_FRESH_MS = 60_000;
const HEALTH_RETRY_MS = 5_000;
const MAINTENANCE_EVERY = 500;
/**
 * Compaction waits for a moment with nothing queued, but under steady load clients that arrived
 * during one batch are queued when it ends, so that moment may never come: after this many times
 * the interval it runs anyway, one pause instead of a clone that grows for as long as load lasts.
 */
const MAINTENANCE_OVERDUE_FACTOR = 2;

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
   * How batches reach the remote, chosen when the clone is opened: file:// and ssh remotes in
   * SHA-1 format are pushed by speaking to receive-pack directly with objects built in process;
   * anything else goes through `git commit` and `git push`.
   */
  private pushPath: PushPath | undefined;
  /** What the push paths use of this store. */
  private readonly pushContext: PushContext;
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
  private readonly maintenanceEvery: number;
  private probe: Promise<void> | undefined;

  constructor(private readonly options: GitRecordStoreOptions) {
    this.remote = parseGitRemote(options.repo);
    this.log = options.logger.child({ component: "git-record-store", repo: this.remote.displayUrl });
    this.metrics = gitStoreMetrics(options.metrics);
    this.maxAttempts = options.maxAttempts ?? 10;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.maintenanceEvery = options.maintenanceEvery ?? MAINTENANCE_EVERY;
    this.now = options.now ?? (() => new Date());
    // Credentials are not part of the directory name, so rotating a token keeps the clone.
    const id = createHash("sha256")
      .update(`${this.remote.displayUrl}\n${this.remote.branch ?? ""}`)
      .digest("hex")
      .slice(0, 16);
    this.cloneDir = join(options.dataDir, "git", id);
    this.pushContext = {
      cloneDir: this.cloneDir,
      authorName: this.remote.authorName,
      git: () => this.requireGit(),
      branch: () => this.branch as string,
      observePush: (outcome, ms) => this.observePush(outcome, ms),
      redact: (text) => this.redact(text),
    };
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
    return { zone: match.zone, text: await this.requirePushPath().readZoneFile(match.fileName) };
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
      if (this.maintenanceDue()) await this.maintain();
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
      const r = await this.land(batch, clock);
      outcome = r.pushed ? "pushed" : "unchanged";
      attempts = r.attempts;
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
        fetchMs: clock.ms.fetch,
        editMs: clock.ms.edit,
        commitMs: clock.ms.commit,
        pushMs: clock.ms.push,
        totalMs: performance.now() - started,
      };
      for (const phase of ["fetch", "edit", "commit", "push"] as const) {
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
      const pushPath = this.requirePushPath();
      const landing = await pushPath.commitAndPush(writes, message, clock);
      const commit = landing.commit;
      let pushed = landing.pushed;
      if (!pushed.ok && pushed.failure.kind !== "rejected" && (await this.remoteTipIs(commit))) {
        // The push failed after the remote took it (e.g. the connection dropped on the way back).
        pushed = { ok: true };
      }
      if (pushed.ok) {
        pushPath.landed(commit, writes);
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

  /** Edits the zone files; returns each change's outcome and the files that now differ. */
  private async applyChanges(
    pending: PendingChange[],
  ): Promise<{ outcomes: Map<PendingChange, ChangeOutcome>; writes: ZoneWrite[] }> {
    const outcomes = new Map<PendingChange, ChangeOutcome>();
    const { zones, unusable } = this.zoneFiles;
    const pushPath = this.requirePushPath();
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
          ? pushPath.readZoneFile(fileName)
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
    const written = await this.stageZoneFiles(pushPath, writes, byFile, outcomes);
    // Keep arrival order so the commit message lists changes as they came.
    const ordered = new Map<PendingChange, ChangeOutcome>();
    for (const p of pending) ordered.set(p, outcomes.get(p) as ChangeOutcome);
    return { outcomes: ordered, writes: written };
  }

  /** Hands the edited files to the push path; a file it cannot take fails its own changes. */
  private async stageZoneFiles(
    pushPath: PushPath,
    writes: readonly ZoneWrite[],
    byFile: ReadonlyMap<string, { items: PendingChange[] }>,
    outcomes: Map<PendingChange, ChangeOutcome>,
  ): Promise<ZoneWrite[]> {
    const { staged, failed } = await pushPath.stage(writes);
    for (const { fileName, reason } of failed) {
      // The file may be half written: the next batch starts from a clean checkout.
      this.stale = true;
      const error = this.zoneFileError(fileName, reason);
      for (const p of byFile.get(fileName)?.items ?? []) {
        if (outcomes.get(p)?.kind !== "error") outcomes.set(p, { kind: "error", error });
      }
    }
    return staged;
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

  /** Counts a push attempt; any answer from the remote, even a refusal, is contact with it. */
  private observePush(outcome: "ok" | "rejected" | "error", ms: number): void {
    this.metrics.pushDuration.observe({ outcome }, ms / 1000);
    if (outcome !== "error") this.contact();
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
    const format = (await this.git.run(["rev-parse", "--show-object-format"])).trim();
    this.pushPath =
      this.remote.transport !== "https" && format === "sha1"
        ? new ReceivePackPush(
            this.pushContext,
            receivePackCommand(this.remote.url, env.GIT_SSH_COMMAND),
            remoteSideEnvironment(env),
          )
        : new GitCommandPush(this.pushContext);
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
    this.zoneFiles = await this.requirePushPath().moveToTip();
    this.stale = false;
    this.contact();
  }

  /** After a failure: drop unpushed commits and edits; fetch before the next batch. */
  private async restoreClean(): Promise<void> {
    this.stale = true;
    this.pushPath?.forget();
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

  private maintenanceDue(): boolean {
    const since = this.batchesSinceMaintenance;
    if (since >= this.maintenanceEvery * MAINTENANCE_OVERDUE_FACTOR) return true;
    return since >= this.maintenanceEvery && this.queue.length === 0;
  }

  /** Re-shallows and compacts the clone so its size stays flat however many batches it pushed. */
  private async maintain(): Promise<void> {
    this.batchesSinceMaintenance = 0;
    const end = this.metrics.maintenanceDuration.startTimer();
    try {
      await this.fetchTip();
      await this.requireGit().run(["gc", "--quiet", "--prune=now"]);
      end({ outcome: "ok" });
    } catch (err) {
      end({ outcome: "error" });
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

  private requirePushPath(): PushPath {
    if (this.pushPath === undefined)
      throw new DnsBackendError("The DNS repository is not open", { unavailable: true });
    return this.pushPath;
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
