/**
 * The record changes replicas hand to the one replica that writes the DNS repository, as rows of
 * a PostgreSQL table (decision 0109). A row is queued by the replica that took the request,
 * claimed by the writer, answered with the outcome once its commit is in the remote (or failed),
 * and deleted by the replica that waits for it. The notifications carry the change to the writer
 * and the successful answers back, so neither side queries on the way; every step is also found
 * by polling the rows, so a lost notification only costs time.
 */
import type { Knex } from "knex";
import type { Migration } from "../db/migrations.js";
import {
  AppError,
  DnsBackendError,
  type ErrorCode,
  STATUS_BY_CODE,
  ZoneNotConfiguredError,
} from "../errors.js";
import type { StoreResult } from "./record-store.js";
import type { TxtChange } from "./zone-file.js";

/** A change was queued. Payload: QueuedNotice as JSON. */
export const QUEUED_CHANNEL = "hlp_record_change_queued";
/** Changes were answered. Payload: AnsweredNotice as JSON. */
export const ANSWERED_CHANNEL = "hlp_record_change_answered";
/** Answers per notification: NOTIFY payloads are limited to 8000 bytes. */
const ANSWERS_PER_NOTICE = 100;

/**
 * What a queued notification carries: the repository key and the changes of one insert, each as
 * [id, kind, fqdn, value]. One insert queues every change a replica took in one turn of its event
 * loop, and tells the writer in as few notifications as fit in NOTIFY's 8000 bytes.
 */
export interface QueuedNotice {
  readonly repo: string;
  readonly changes: readonly (readonly [string, string, string, string | null])[];
}

/** A notification's budget for its changes (NOTIFY payloads are limited to 8000 bytes). */
const QUEUED_NOTICE_BYTES = 7000;

/** What the answered notification carries: successes with their commit, and failed ids. */
export interface AnsweredNotice {
  readonly repo: string;
  /** [id, commit or null] */
  readonly ok: readonly (readonly [string, string | null])[];
  /** Failed ids: the waiter reads the error from the row. */
  readonly failed: readonly string[];
}

export const recordChangeQueueMigration: Migration = {
  name: "0007_record_change_queue",
  async up(knex) {
    // Unlogged: rows only coordinate replicas for seconds, and every 200 is already in the git
    // remote, so they need no WAL. A crashed or failed-over database starts with an empty queue:
    // waiters then hear "may or may not be in the repository" (ChangeQueue.withdraw: "gone").
    await knex.raw(`
      CREATE UNLOGGED TABLE IF NOT EXISTS hlp_record_change (
        id bigserial PRIMARY KEY,
        repo varchar(64) NOT NULL,
        kind varchar(16) NOT NULL,
        fqdn varchar(255) NOT NULL,
        value varchar(255),
        state varchar(16) NOT NULL DEFAULT 'queued',
        commit_id varchar(64),
        error_code varchar(32),
        error_message text,
        queued_at timestamp with time zone NOT NULL DEFAULT now(),
        answered_at timestamp with time zone
      )`);
    await knex.raw(
      "CREATE INDEX IF NOT EXISTS hlp_record_change_repo_state_idx ON hlp_record_change (repo, state, id)",
    );
  },
};

/** A change as the writer claims it. */
export interface QueuedChange {
  readonly id: string;
  readonly change: TxtChange;
}

/** What the writer answers for one change. */
export type ChangeAnswer =
  | { readonly id: string; readonly ok: true; readonly commit: string | undefined }
  | { readonly id: string; readonly ok: false; readonly code: ErrorCode; readonly message: string };

interface ChangeRow {
  id: string;
  kind: string;
  fqdn: string;
  value: string | null;
}

interface AnsweredRow {
  id: string;
  fqdn: string;
  commit_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

export class ChangeQueue {
  /** @param repo the repository key (advisoryLockKey of the URL): replicas of one remote share it. */
  constructor(
    private readonly knex: Knex,
    readonly repo: string,
  ) {}

  /** Queues a change and wakes the writer; returns the row's id. */
  async enqueue(change: TxtChange): Promise<string> {
    const [id] = await this.enqueueMany([change]);
    if (id === undefined) throw new Error("the change queue returned no id");
    return id;
  }

  /**
   * Queues changes in one statement (ids in the order given) and wakes the writer with one
   * notification per 7000 bytes of them; also deletes `forget` (answers already delivered), so a
   * busy waiter's housekeeping rides on its next insert.
   */
  async enqueueMany(changes: readonly TxtChange[], forget: readonly string[] = []): Promise<string[]> {
    if (changes.length === 0) {
      await this.forget(forget);
      return [];
    }
    let group = 0;
    let bytes = 0;
    const rows = changes.map((change) => {
      const value = change.kind === "present" ? change.value : (change.value ?? null);
      // The id, quotes and commas take at most 40 bytes more than the fields.
      const size = change.fqdn.length + (value?.length ?? 4) + change.kind.length + 40;
      if (bytes > 0 && bytes + size > QUEUED_NOTICE_BYTES) {
        group += 1;
        bytes = 0;
      }
      bytes += size;
      return { kind: change.kind, fqdn: change.fqdn, value, g: group };
    });
    // Ids are drawn first, in the given order, so the answer maps back without trusting the order
    // of RETURNING; the notifications go out when the statement commits, after the rows exist.
    const result = await this.knex.raw<{ rows: { id: string }[] }>(
      `WITH f AS (
         DELETE FROM hlp_record_change WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)
       ), v AS (
         SELECT nextval(pg_get_serial_sequence('hlp_record_change', 'id')) AS id, x.*
         FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (kind text, fqdn text, value text, g int))
              WITH ORDINALITY AS x(kind, fqdn, value, g, ord)
         ORDER BY x.ord
       ), i AS (
         INSERT INTO hlp_record_change (id, repo, kind, fqdn, value)
         SELECT id, ?, kind, fqdn, value FROM v ORDER BY ord RETURNING id
       ), n AS (
         SELECT pg_notify(?, json_build_object('repo', ?::text, 'changes',
                  json_agg(json_build_array(v.id::text, v.kind, v.fqdn, v.value) ORDER BY v.ord))::text)
         FROM v GROUP BY v.g
       )
       SELECT v.id::text AS id, (SELECT count(*) FROM n) AS notices, (SELECT count(*) FROM i) AS inserted
       FROM v ORDER BY v.ord`,
      [JSON.stringify(forget), JSON.stringify(rows), this.repo, QUEUED_CHANNEL, this.repo],
    );
    if (result.rows.length !== changes.length) throw new Error("the change queue returned no id");
    return result.rows.map((r) => r.id);
  }

  /** Claims up to `limit` queued changes, oldest first. Only the writer calls this. */
  async claim(limit: number): Promise<QueuedChange[]> {
    const result = await this.knex.raw<{ rows: ChangeRow[] }>(
      `UPDATE hlp_record_change SET state = 'claimed'
       WHERE id IN (
         SELECT id FROM hlp_record_change WHERE repo = ? AND state = 'queued' ORDER BY id LIMIT ?
       ) RETURNING id::text AS id, kind, fqdn, value`,
      [this.repo, limit],
    );
    return result.rows
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .map((row) => ({ id: row.id, change: toChange(row) }));
  }

  /** Marks changes the writer took from their notification as claimed (off the request path). */
  async markClaimed(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.knex.raw(
      `UPDATE hlp_record_change SET state = 'claimed'
       WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint) AND state = 'queued'`,
      [JSON.stringify(ids)],
    );
  }

  /**
   * A new writer takes over what its predecessor claimed and never answered. Applying a change
   * twice is harmless (present and cleanup are idempotent), and the rows keep their order.
   */
  async requeueClaimed(): Promise<number> {
    const result = await this.knex.raw<{ rowCount: number }>(
      "UPDATE hlp_record_change SET state = 'queued' WHERE repo = ? AND state = 'claimed'",
      [this.repo],
    );
    return result.rowCount;
  }

  /** Records outcomes and tells the waiters, one statement per notification's worth. */
  async answer(answers: readonly ChangeAnswer[]): Promise<void> {
    for (let i = 0; i < answers.length; i += ANSWERS_PER_NOTICE) {
      await this.answerChunk(answers.slice(i, i + ANSWERS_PER_NOTICE));
    }
  }

  private async answerChunk(answers: readonly ChangeAnswer[]): Promise<void> {
    // As one JSON parameter: knex would spread an array parameter into a list.
    const rows = answers.map((a) =>
      a.ok
        ? { id: a.id, commit_id: a.commit ?? null, error_code: null, error_message: null }
        : { id: a.id, commit_id: null, error_code: a.code, error_message: a.message },
    );
    const notice: AnsweredNotice = {
      repo: this.repo,
      ok: answers.flatMap((a) => (a.ok ? [[a.id, a.commit ?? null] as const] : [])),
      failed: answers.flatMap((a) => (a.ok ? [] : [a.id])),
    };
    // The notification goes out when the update commits: a waiter never hears before the row says so.
    await this.knex.raw(
      `WITH a AS (
         UPDATE hlp_record_change AS r
         SET state = 'answered', commit_id = v.commit_id, error_code = v.error_code,
             error_message = v.error_message, answered_at = now()
         FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, commit_id text, error_code text, error_message text)
         WHERE r.id = v.id
         RETURNING r.id
       ) SELECT pg_notify(?, ?) FROM (SELECT count(*) FROM a) AS n`,
      [JSON.stringify(rows), ANSWERED_CHANNEL, JSON.stringify(notice)],
    );
  }

  /** Takes the answered rows among `ids` (deleting them): the waiter's side. */
  async collect(ids: readonly string[]): Promise<Map<string, StoreResult | AppError>> {
    const out = new Map<string, StoreResult | AppError>();
    if (ids.length === 0) return out;
    const result = await this.knex.raw<{ rows: AnsweredRow[] }>(
      `DELETE FROM hlp_record_change
       WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint) AND state = 'answered'
       RETURNING id::text AS id, fqdn, commit_id, error_code, error_message`,
      [JSON.stringify(ids)],
    );
    for (const row of result.rows) out.set(row.id, toOutcome(row));
    return out;
  }

  /**
   * Takes back a change nobody has claimed yet. "claimed" (or "answered"): the writer has it and
   * will answer; "gone": the row is no longer there (the database lost it), nobody will answer.
   */
  async withdraw(id: string): Promise<"withdrawn" | "claimed" | "gone"> {
    const result = await this.knex.raw<{ rows: { withdrawn: number; state: string | null }[] }>(
      `WITH d AS (DELETE FROM hlp_record_change WHERE id = ? AND state = 'queued' RETURNING id)
       SELECT (SELECT count(*) FROM d)::int AS withdrawn,
              (SELECT state FROM hlp_record_change WHERE id = ?) AS state`,
      [id, id],
    );
    const row = result.rows[0];
    if (row !== undefined && row.withdrawn > 0) return "withdrawn";
    return row?.state === null || row?.state === undefined ? "gone" : "claimed";
  }

  /** Deletes answered rows whose answer reached the waiter through the notification. */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.knex.raw(
      "DELETE FROM hlp_record_change WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)",
      [JSON.stringify(ids)],
    );
  }

  /** Drops answers nobody collected (their replica stopped while waiting). */
  async pruneAnswered(olderThanSeconds: number): Promise<void> {
    await this.knex.raw(
      "DELETE FROM hlp_record_change WHERE repo = ? AND state = 'answered' AND answered_at < now() - make_interval(secs => ?)",
      [this.repo, olderThanSeconds],
    );
  }
}

/** A queued notification's changes, those well formed, when it is for our repository. */
export function parseQueuedNotice(payload: string, repo: string): QueuedChange[] {
  const n = parseJson(payload) as (Partial<QueuedNotice> & Record<string, unknown>) | undefined;
  if (n?.repo !== repo) return [];
  // One change per notification: what a replica of the previous version sends.
  const list: unknown[] = Array.isArray(n.changes) ? n.changes : [[n.id, n.kind, n.fqdn, n.value]];
  const out: QueuedChange[] = [];
  for (const item of list) {
    if (!Array.isArray(item)) continue;
    const [id, kind, fqdn, value] = item as unknown[];
    if (typeof id !== "string" || typeof fqdn !== "string") continue;
    if (kind !== "present" && kind !== "cleanup") continue;
    const v = typeof value === "string" ? value : null;
    out.push({ id, change: toChange({ id, kind, fqdn, value: v }) });
  }
  return out;
}

/** An answered notification, when it is for our repository. */
export function parseAnsweredNotice(payload: string, repo: string): AnsweredNotice | undefined {
  const n = parseJson(payload) as Partial<AnsweredNotice> | undefined;
  if (n?.repo !== repo || !Array.isArray(n.ok) || !Array.isArray(n.failed)) return undefined;
  return n as AnsweredNotice;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toChange(row: ChangeRow): TxtChange {
  if (row.kind === "present") return { kind: "present", fqdn: row.fqdn, value: row.value ?? "" };
  return { kind: "cleanup", fqdn: row.fqdn, value: row.value ?? undefined };
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

/** An answer back into what the store's caller gets: the same error class and message. */
function toOutcome(row: AnsweredRow): StoreResult | AppError {
  if (row.error_code === null) return { commit: row.commit_id ?? undefined };
  const message = row.error_message ?? "The DNS change failed";
  if (row.error_code === "zone_not_configured") return new ZoneNotConfiguredError(row.fqdn);
  if (row.error_code === "dns_backend_failed" || row.error_code === "dns_backend_unavailable") {
    return new DnsBackendError(message, { unavailable: row.error_code === "dns_backend_unavailable" });
  }
  return new AppError(isErrorCode(row.error_code) ? row.error_code : "internal", message);
}

/** The answer for a change that landed (or had nothing to do). */
export function successAnswer(id: string, result: StoreResult): ChangeAnswer {
  return { id, ok: true, commit: result.commit };
}

/** The answer for a change that failed: its error's code and message travel to the waiter. */
export function failureAnswer(id: string, err: unknown): ChangeAnswer {
  if (err instanceof AppError) return { id, ok: false, code: err.code, message: err.message };
  return { id, ok: false, code: "internal", message: "Internal error" };
}
