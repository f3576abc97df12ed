/**
 * The bench's pass thresholds for the history rows: one table of what each target is called, the
 * threshold it must meet and how its figure is measured. `judge` uses it both to decide and to
 * print the "Targets" table; the extra rows and the replicas row bring their own targets.
 */
import type { BaselineLoad, LoadRun, SequentialRun, Transport } from "./results.js";
import type { RowTarget } from "./rows/context.js";
import { fmt, type Summary } from "./stats.js";

/** Everything the history rows measured, as the targets read it. */
export interface Measured {
  readonly seq: readonly SequentialRun[];
  readonly loads: readonly LoadRun[];
  readonly baseLoads: readonly BaselineLoad[];
  /** The history sizes asked for (--sizes): the smallest and the largest are judged. */
  readonly sizes: readonly number[];
}

/** A figure must be `op value`; `unit` is how the wanted column writes it ("" writes the bare value). */
export interface Threshold {
  readonly op: "<=" | ">=" | "<" | "==";
  readonly value: number;
  readonly unit: " ms" | "x" | "/s" | " MB" | "";
}

/** One figure a target measured, with the name it is printed under. */
interface Figure {
  readonly name: string;
  readonly value: number;
}

export interface TargetSpec {
  /** "transport": judged for file then ssh (when that transport ran); "run": once for the whole run. */
  readonly scope: "transport" | "run";
  /** The threshold, or one per transport. */
  readonly threshold: Threshold | Readonly<Record<Transport, Threshold>>;
  /** How a figure is written in the measured column. */
  readonly show: (value: number) => string;
  /** How it is measured: the figures of this run (none when the run did not measure it). */
  readonly measure: (m: Measured, transport: Transport) => readonly Figure[];
}

const ms = (value: number): string => `${fmt(value)} ms`;

function smallest(m: Measured): number {
  return Math.min(...m.sizes);
}

function largest(m: Measured): number {
  return Math.max(...m.sizes);
}

function runsOf(m: Measured, transport: Transport): readonly SequentialRun[] {
  return m.seq.filter((r) => r.transport === transport);
}

function loadAt(m: Measured, transport: Transport, clients: number): LoadRun | undefined {
  return m.loads.find((l) => l.transport === transport && l.clients === clients);
}

/** The targets of the history rows, in the order they are printed (per transport, then the run's). */
export const TARGETS: readonly TargetSpec[] = [
  {
    scope: "transport",
    threshold: { file: { op: "<=", value: 100, unit: " ms" }, ssh: { op: "<=", value: 150, unit: " ms" } },
    show: ms,
    measure: (m, transport) =>
      runsOf(m, transport)
        .filter((r) => r.size === smallest(m) || r.size === largest(m))
        .map((r) => ({
          name: `${transport}: sequential present median, ${r.size} commits`,
          value: r.present.median,
        })),
  },
  {
    scope: "transport",
    threshold: { op: "<=", value: 1.3, unit: "x" },
    show: (ratio) => `${ratio.toFixed(2)}x`,
    measure: (m, transport) => {
      const runs = runsOf(m, transport);
      const a = runs.find((r) => r.size === smallest(m));
      const b = runs.find((r) => r.size === largest(m));
      if (!a || !b || a === b) return [];
      const ratio =
        Math.max(a.present.median, b.present.median) / Math.min(a.present.median, b.present.median);
      return [{ name: `${transport}: flat in history (${smallest(m)} vs ${largest(m)})`, value: ratio }];
    },
  },
  {
    scope: "transport",
    threshold: { file: { op: ">=", value: 2.5, unit: "x" }, ssh: { op: ">=", value: 4, unit: "x" } },
    show: (ratio) => `${ratio.toFixed(1)}x`,
    measure: (m, transport) =>
      runsOf(m, transport)
        .filter((r) => r.baseline)
        .map((r) => ({
          name: `${transport}: baseline/service sequential median, ${r.size} commits`,
          value: (r.baseline as Summary).median / r.present.median,
        })),
  },
  {
    scope: "transport",
    threshold: { op: ">=", value: 200, unit: "/s" },
    show: (perSecond) => fmt(perSecond),
    measure: (m, transport) => {
      const l64 = loadAt(m, transport, 64);
      return l64 ? [{ name: `${transport}: presents/s at 64 clients`, value: l64.perSecond }] : [];
    },
  },
  {
    scope: "transport",
    threshold: { op: "==", value: 0, unit: "" },
    show: (missing) => String(missing),
    measure: (m, transport) => {
      const l64 = loadAt(m, transport, 64);
      return l64
        ? [
            {
              name: `${transport}: acknowledged presents missing from the remote`,
              value: l64.missingInRemote,
            },
          ]
        : [];
    },
  },
  {
    scope: "transport",
    threshold: { op: "<=", value: 120, unit: " MB" },
    show: (mb) => `${fmt(mb)} MB`,
    measure: (m, transport) => {
      const l64 = loadAt(m, transport, 64);
      return l64 ? [{ name: `${transport}: service peak RSS during 64 clients`, value: l64.rssPeakMb }] : [];
    },
  },
  {
    scope: "transport",
    threshold: { op: ">=", value: 50, unit: "x" },
    show: (ratio) => `${ratio.toFixed(0)}x`,
    measure: (m, transport) => {
      const l64 = loadAt(m, transport, 64);
      const b64 = m.baseLoads.find((x) => x.transport === transport && x.clients === 64);
      if (!l64 || !b64) return [];
      return [
        {
          name: `${transport}: durable presents/s vs baseline at 64 clients`,
          value: l64.perSecond / Math.max(b64.perSecond, 1e-9),
        },
      ];
    },
  },
  {
    scope: "transport",
    threshold: { op: "<=", value: 300, unit: " ms" },
    show: ms,
    measure: (m, transport) => {
      const l32 = loadAt(m, transport, 32);
      return l32 ? [{ name: `${transport}: p95 at 32 clients`, value: l32.latency.p95 }] : [];
    },
  },
  {
    scope: "run",
    threshold: { op: "<", value: 1, unit: " ms" },
    show: (worst) => `${fmt(worst, 3)} ms`,
    measure: (m) => {
      const cached = m.seq.map((r) => r.auth.verifyCachedMs).filter(Number.isFinite);
      if (cached.length === 0) return [];
      return [{ name: "auth: later requests' password check (cached)", value: Math.max(...cached) }];
    },
  },
];

function thresholdFor(spec: TargetSpec, transport: Transport): Threshold {
  const t = spec.threshold;
  return "op" in t ? t : t[transport];
}

function passes(value: number, t: Threshold): boolean {
  switch (t.op) {
    case "<=":
      return value <= t.value;
    case ">=":
      return value >= t.value;
    case "<":
      return value < t.value;
    case "==":
      return value === t.value;
  }
}

/** How the wanted column writes a threshold: "<= 100 ms", ">= 2.5x", or the bare value for "==". */
export function wanted(t: Threshold): string {
  return t.op === "==" ? String(t.value) : `${t.op} ${t.value}${t.unit}`;
}

function judgeSpec(spec: TargetSpec, m: Measured, transport: Transport): RowTarget[] {
  const threshold = thresholdFor(spec, transport);
  return spec.measure(m, transport).map((figure) => ({
    name: figure.name,
    measured: spec.show(figure.value),
    target: wanted(threshold),
    pass: passes(figure.value, threshold),
  }));
}

/** The history rows' targets, judged: file's, then ssh's (for a transport that ran), then the run's. */
export function judge(m: Measured): RowTarget[] {
  const out: RowTarget[] = [];
  for (const transport of ["file", "ssh"] as const) {
    if (runsOf(m, transport).length === 0) continue;
    for (const spec of TARGETS.filter((s) => s.scope === "transport"))
      out.push(...judgeSpec(spec, m, transport));
  }
  // A run-wide target reads every transport; the transport passed is not used.
  for (const spec of TARGETS.filter((s) => s.scope === "run")) out.push(...judgeSpec(spec, m, "file"));
  return out;
}
