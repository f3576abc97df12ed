/**
 * The direct push path (decision 0105): blob, tree and commit built in memory on top of the
 * last known remote tip and sent straight to the remote's receive-pack (`file://` and ssh
 * remotes in SHA-1 format). The local clone's refs are not moved: the next fetch brings them
 * (and the objects) up to the remote, and the base kept here is the truth until then.
 */
import { join } from "node:path";
import { DnsBackendError } from "../errors.js";
import { classifyGitFailure, isLostRace } from "./git-failure.js";
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
import { pushWithReceivePack, type ReceivePackCommand } from "./git-wire/receive-pack.js";
import {
  AUTHOR_EMAIL,
  type PhaseClock,
  type PushContext,
  type PushOutcome,
  type PushPath,
  type StageFailure,
  ZONE_FILE_ENCODING,
  type ZoneWrite,
} from "./push-path.js";
import { readRegularFile } from "./regular-file.js";
import { type ZoneFiles, zoneFilesFromTree } from "./zone-lookup.js";

const PUSH_TIMEOUT_MS = 60_000;

/** The remote tip our next commit builds on, kept in memory between fetches. */
interface Base {
  readonly commit: string;
  readonly tree: readonly TreeEntry[];
}

export class ReceivePackPush implements PushPath {
  private base: Base | undefined;
  /** The commit last sent, which becomes the base once the remote is known to have it. */
  private sent: Base | undefined;
  /**
   * Zone files as of `base`. Pushed edits are never written to the clone's working tree:
   * reading and rewriting every touched file per batch cost more than the push once zones hold
   * thousands of records. Emptied whenever the clone is reset.
   */
  private readonly zoneTexts = new Map<string, string>();

  /**
   * @param env the push's environment: the store's minus the config meant for its own git
   *   (`remoteSideEnvironment`).
   */
  constructor(
    private readonly context: PushContext,
    private readonly command: ReceivePackCommand,
    private readonly env: Record<string, string>,
  ) {}

  async moveToTip(): Promise<ZoneFiles> {
    const git = this.context.git();
    this.zoneTexts.clear();
    const [commit, treeId] = (await git.run(["rev-parse", "HEAD", "HEAD^{tree}"])).trim().split("\n");
    const tree = parseTree(await git.catFile("tree", treeId as string));
    this.base = { commit: commit as string, tree };
    // Tree names are latin1 byte strings; file names elsewhere are UTF-8 text.
    return zoneFilesFromTree(
      tree.map((e) => ({ mode: e.mode, name: Buffer.from(e.name, "latin1").toString("utf8") })),
    );
  }

  forget(): void {
    this.zoneTexts.clear();
  }

  /** From memory when known, else from the clone (which is at `base` for files not pushed since). */
  async readZoneFile(fileName: string): Promise<string> {
    const cached = this.zoneTexts.get(fileName);
    if (cached !== undefined) return cached;
    const text = await readRegularFile(join(this.context.cloneDir, fileName), ZONE_FILE_ENCODING);
    this.zoneTexts.set(fileName, text);
    return text;
  }

  /** Nothing to write: the edits go into the commit from memory. */
  async stage(writes: readonly ZoneWrite[]): Promise<{ staged: ZoneWrite[]; failed: StageFailure[] }> {
    return { staged: [...writes], failed: [] };
  }

  async commitAndPush(
    writes: readonly ZoneWrite[],
    message: string,
    clock: PhaseClock,
  ): Promise<{ commit: string; pushed: PushOutcome }> {
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
    const who = { name: this.context.authorName, email: AUTHOR_EMAIL, when: new Date() };
    const commit = gitObject(
      "commit",
      commitBody({ tree: treeObject.id, parents: [base.commit], author: who, committer: who, message }),
    );
    objects.push(treeObject, commit);
    clock.ms.commit += performance.now() - start;
    this.sent = { commit: commit.id, tree };

    const ref = `refs/heads/${this.context.branch()}`;
    const pushStart = performance.now();
    const result = await pushWithReceivePack({
      command: this.command,
      env: this.env,
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
        this.context.observePush("ok", ms);
        pushed = { ok: true };
        break;
      case "stale":
        this.context.observePush("rejected", ms);
        pushed = { ok: false, failure: { kind: "rejected", summary: "[rejected] (fetch first)" } };
        break;
      case "refused": {
        this.context.observePush("rejected", ms);
        const race = isLostRace(result.reason);
        const said = hookMessage(this.context.redact(result.output));
        const summary = race
          ? `[remote rejected] (${result.reason})`
          : `the server refused the push: ${result.reason}${said === undefined ? "" : ` (${said})`}`;
        pushed = { ok: false, failure: { kind: race ? "rejected" : "other", summary } };
        break;
      }
      case "failed":
        this.context.observePush("error", ms);
        pushed = { ok: false, failure: classifyGitFailure(result.output) };
        break;
    }
    return { commit: commit.id, pushed };
  }

  landed(commit: string, writes: readonly ZoneWrite[]): void {
    if (this.sent?.commit !== commit) return;
    this.base = this.sent;
    for (const w of writes) this.zoneTexts.set(w.fileName, w.text);
  }
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
