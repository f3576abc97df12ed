/** What the issue-15 rows (embedded default, database outage, soak) get from the main bench. */
import type { RunningService } from "../service.js";
import type { Summary } from "../stats.js";

export interface RowTarget {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
}

/** A row's report: tables for the text output, targets for the table of targets, data for the JSON. */
export interface RowReport {
  readonly key: string;
  readonly text: string;
  readonly targets: readonly RowTarget[];
  readonly data: unknown;
}

/** The closed-loop /present load of the main bench (presents only, unique names). */
export interface LoadResult {
  readonly perSecond: number;
  readonly ok: number;
  readonly errors: number;
  readonly missingInRemote: number;
  readonly rssPeakMb: number;
  readonly latency: Summary;
}

export interface RowContext {
  readonly scratch: string;
  readonly cliPath: string;
  /** A bare DNS repository of the bench's zones; each row copies it. */
  readonly sourceRepo: string;
  /** The bench's PostgreSQL database (user bench exists there). */
  readonly databaseUrl: string;
  /** user:password of the bench user, and the parent name it may manage. */
  readonly auth: string;
  readonly password: string;
  /** Seconds per load step. */
  readonly duration: number;
  readonly soakMinutes: number;
  log(message: string): void;
  load(svc: RunningService, bare: string, clients: number, seconds: number): Promise<LoadResult>;
  /** Registers a cleanup for an interrupted run. */
  onInterrupt(cleanup: () => Promise<void>): void;
}
