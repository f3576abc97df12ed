/** What one history row measures: the records the targets judge, the report prints and the JSON keeps. */
import type { Summary } from "./stats.js";

export type Transport = "file" | "ssh";

export interface AuthCost {
  firstRequestMs: number;
  laterRequestMedianMs: number;
  verifyUncachedMs: number;
  verifyCachedMs: number;
}

export interface SequentialRun {
  transport: Transport;
  size: number;
  present: Summary;
  cleanup: Summary;
  errors: number;
  /** Mean ms per batch phase inside the service (from /metrics). */
  phases: Record<string, number>;
  /** Mean ms the service spent per /present (server side, from /metrics). */
  serverPresentMs: number;
  auth: AuthCost;
  baseline: Summary | undefined;
}

export interface LoadRun {
  transport: Transport;
  size: number;
  clients: number;
  seconds: number;
  ok: number;
  errors: number;
  perSecond: number;
  latency: Summary;
  missingInRemote: number;
  batches: number;
  meanBatchSize: number;
  rssPeakMb: number;
  /** CPU of the service process per successful present (its own threads). */
  serviceCpuMsPerPresent: number;
  /** CPU of the git processes it ran (receive-pack and its helpers), per successful present. */
  gitCpuMsPerPresent: number;
}

export interface BaselineLoad {
  transport: Transport;
  size: number;
  clients: number;
  seconds: number;
  durable: number;
  perSecond: number;
  attempts: number;
  errors: number;
  missingInRemote: number;
}

/** One history row: a transport and a history size. */
export interface HistoryRow {
  readonly sequential: SequentialRun;
  /** The load steps (only for the largest history). */
  readonly loads: readonly LoadRun[];
  /** The baseline's load step at 64 clients (largest history, with the baseline, 64 among the clients). */
  readonly baselineLoad: BaselineLoad | undefined;
}
