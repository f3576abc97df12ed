/**
 * The "replicas" row of `pnpm bench`: three `serve` processes on one PostgreSQL database and one
 * remote (a Juju application scaled to 3) against one process, in the same run, with the same
 * closed-loop clients spread round-robin over the processes, in alternating windows. Target: the three together keep at
 * least 0.8x the presents/s of one, and every acknowledged present is in the remote exactly once.
 */
import { randomBytes } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { gitEnv, run } from "../exec.js";
import { BenchClient } from "../http-client.js";
import { zones } from "../repo-builder.js";
import { parseHistogram, RunningService, type ServiceEnv } from "../service.js";
import { fmt } from "../stats.js";
import { table } from "../table.js";

export interface ReplicasInput {
  readonly cliPath: string;
  readonly databaseUrl: string;
  /** A bare repository to copy for each step (the steps must not see each other's records). */
  readonly sourceRepo: string;
  readonly scratch: string;
  /** `user:password` of a user that may manage every bench zone. */
  readonly auth: string;
  readonly clients: number;
  readonly seconds: number;
  readonly log: (message: string) => void;
}

export interface ReplicasStep {
  readonly processes: number;
  readonly clients: number;
  readonly seconds: number;
  readonly ok: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly medianMs: number;
  /** Acknowledged presents whose record is not in the remote. */
  readonly missing: number;
  /** Acknowledged presents whose record is in the remote more than once. */
  readonly doubled: number;
  /** CPU of all the processes (and the git they ran) per acknowledged present. */
  readonly cpuMsPerPresent: number;
  /** Commits pushed, and changes per commit, over all the processes. */
  readonly batches: number;
  readonly meanBatch: number;
  /** Batches that had to fetch first (someone else pushed), and mean ms per batch phase. */
  readonly fetches: number;
  readonly phaseMs: Readonly<Record<string, number>>;
}

export interface ReplicasRow {
  readonly one: ReplicasStep;
  readonly three: ReplicasStep;
  readonly ratio: number;
}

export const REPLICAS_TARGET = 0.8;

interface Landed {
  readonly zone: string;
  readonly owner: string;
  readonly value: string;
}

/** One setup: `processes` services on one database and their own copy of the repository. */
interface Setup {
  readonly processes: number;
  readonly bare: string;
  readonly services: RunningService[];
  readonly clients: BenchClient[];
  readonly landed: Landed[];
  readonly latencies: number[];
  errors: number;
  seconds: number;
  cpuSeconds: number;
}

async function startSetup(input: ReplicasInput, processes: number): Promise<Setup> {
  const bare = join(input.scratch, "remotes", `replicas-${processes}.git`);
  await cp(input.sourceRepo, bare, { recursive: true });
  const setup: Setup = {
    processes,
    bare,
    services: [],
    clients: [],
    landed: [],
    latencies: [],
    errors: 0,
    seconds: 0,
    cpuSeconds: 0,
  };
  for (let i = 0; i < processes; i += 1) {
    const env: ServiceEnv = {
      cliPath: input.cliPath,
      databaseUrl: input.databaseUrl,
      dataDir: join(input.scratch, "service-data", `replicas-${processes}-${i}`),
      gitRepo: `file://${bare}`,
    };
    const svc = await RunningService.start(env, join(input.scratch, `replicas-${processes}-${i}.log`));
    setup.services.push(svc);
    setup.clients.push(new BenchClient(svc.url, input.auth));
  }
  // One request per process first: each pays its password hash once, outside the measurement.
  for (const client of setup.clients) {
    const r = await client.post("/present", {
      fqdn: `_acme-challenge.warm-${processes}.${zones[0]}.`,
      value: randomBytes(16).toString("base64url"),
    });
    if (r.status !== 200) throw new Error(`replicas warm-up answered ${r.status}: ${r.body}`);
  }
  return setup;
}

/** One closed-loop window of `clients` clients spread round-robin over the setup's processes. */
async function window(setup: Setup, clients: number, seconds: number, round: number): Promise<void> {
  let sent = 0;
  const cpuBefore = await cpu(setup);
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = setup.clients[c % setup.clients.length] as BenchClient;
      for (let seq = 0; performance.now() < end && sent < 100_000; seq += 1) {
        sent += 1;
        const zone = zones[(c + seq) % zones.length] as string;
        const owner = `_acme-challenge.r${setup.processes}w${round}x${c}-${seq}`;
        const value = randomBytes(32).toString("base64url");
        try {
          const r = await client.post("/present", { fqdn: `${owner}.${zone}.`, value });
          if (r.status === 200) {
            setup.latencies.push(r.ms);
            setup.landed.push({ zone, owner, value });
          } else setup.errors += 1;
        } catch {
          setup.errors += 1;
        }
      }
    }),
  );
  setup.seconds += (performance.now() - start) / 1000;
  setup.cpuSeconds += (await cpu(setup)) - cpuBefore;
}

async function cpu(setup: Setup): Promise<number> {
  const all = await Promise.all(setup.services.map((s) => s.cpuSeconds()));
  return all.reduce((sum, c) => sum + c.self + c.children, 0);
}

async function batches(
  setup: Setup,
): Promise<{ count: number; sum: number; fetches: number; phaseMs: Record<string, number> }> {
  let count = 0;
  let sum = 0;
  const phases = new Map<string, number>();
  for (const svc of setup.services) {
    const text = await svc.metrics();
    const h = parseHistogram(text, "hlp_git_batch_size").get("");
    count += h?.count ?? 0;
    sum += h?.sum ?? 0;
    for (const [labels, p] of parseHistogram(text, "hlp_git_batch_phase_seconds")) {
      const phase = /phase="([^"]+)"/.exec(labels)?.[1] ?? labels;
      phases.set(phase, (phases.get(phase) ?? 0) + p.sum);
    }
    const fetches = parseHistogram(text, "hlp_git_batch_phase_seconds").get('{phase="fetch"}');
    phases.set("fetches", (phases.get("fetches") ?? 0) + (fetches?.count ?? 0));
  }
  const phaseMs: Record<string, number> = {};
  for (const [phase, total] of phases)
    if (phase !== "fetches") phaseMs[phase] = (total * 1000) / Math.max(1, count);
  return { count, sum, fetches: phases.get("fetches") ?? 0, phaseMs };
}

async function result(setup: Setup, clients: number): Promise<ReplicasStep> {
  const { missing, doubled } = await audit(setup.bare, setup.landed);
  const sorted = [...setup.latencies].sort((a, b) => a - b);
  const b = await batches(setup);
  return {
    processes: setup.processes,
    clients,
    seconds: setup.seconds,
    ok: setup.landed.length,
    errors: setup.errors,
    perSecond: setup.landed.length / setup.seconds,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    missing,
    doubled,
    cpuMsPerPresent: (setup.cpuSeconds * 1000) / Math.max(1, setup.landed.length),
    batches: b.count,
    meanBatch: b.count > 0 ? b.sum / b.count : Number.NaN,
    fetches: b.fetches,
    phaseMs: b.phaseMs,
  };
}

/** Counts acknowledged records missing from the remote's zone files, or there twice. */
async function audit(bare: string, landed: readonly Landed[]): Promise<{ missing: number; doubled: number }> {
  const texts = new Map<string, string>();
  for (const zone of zones) {
    texts.set(zone, await run(["git", "--git-dir", bare, "show", `main:${zone}.domain`], { env: gitEnv() }));
  }
  let missing = 0;
  let doubled = 0;
  for (const l of landed) {
    const count = (texts.get(l.zone) ?? "").split(`\n${l.owner} 600 IN TXT "${l.value}"\n`).length - 1;
    if (count === 0) missing += 1;
    if (count > 1) doubled += 1;
  }
  return { missing, doubled };
}

/** Windows alternating between the two setups, so both see the same machine load. */
const ROUNDS = 3;

/**
 * One process and three, each on its own copy of the same repository, all running at once (an
 * idle setup costs nothing); the load alternates between them in short windows.
 */
export async function replicasRow(input: ReplicasInput): Promise<ReplicasRow> {
  const setups: Setup[] = [];
  try {
    for (const processes of [1, 3]) setups.push(await startSetup(input, processes));
    const perWindow = Math.max(1, input.seconds / ROUNDS);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const setup of setups) {
        input.log(
          `replicas: round ${round + 1}/${ROUNDS}, ${setup.processes} process(es), ${input.clients} clients`,
        );
        await window(setup, input.clients, perWindow, round);
      }
    }
    const [one, three] = (await Promise.all(setups.map((s) => result(s, input.clients)))) as [
      ReplicasStep,
      ReplicasStep,
    ];
    for (const r of [one, three]) {
      input.log(
        `  ${r.processes}: ${fmt(r.perSecond)} presents/s, median ${fmt(r.medianMs)} ms, ${r.errors} errors, ${r.missing} missing, ${r.doubled} doubled`,
      );
    }
    return { one, three, ratio: three.perSecond / Math.max(one.perSecond, 1e-9) };
  } finally {
    for (const setup of setups) for (const client of setup.clients) client.close();
    await Promise.all(setups.flatMap((s) => s.services.map((svc) => svc.stop())));
  }
}

export function renderReplicas(row: ReplicasRow): string {
  const lines = [
    "\nReplicas: processes on one PostgreSQL database and one remote (file://), clients round-robin over them",
    table(
      [
        "processes",
        "clients",
        "presents/s",
        "ok",
        "errors",
        "median ms",
        "missing",
        "doubled",
        "CPU ms/present",
        "commits",
        "mean batch",
        "fetches",
        "ms/commit (push)",
      ],
      [row.one, row.three].map((s) => [
        String(s.processes),
        String(s.clients),
        fmt(s.perSecond),
        String(s.ok),
        String(s.errors),
        fmt(s.medianMs),
        String(s.missing),
        String(s.doubled),
        fmt(s.cpuMsPerPresent, 2),
        String(s.batches),
        fmt(s.meanBatch),
        String(s.fetches),
        `${fmt(s.phaseMs.total ?? Number.NaN)} (${fmt(s.phaseMs.push ?? Number.NaN)})`,
      ]),
    ),
    table(
      ["target", "measured", "wanted", "ok"],
      replicasTargets(row).map((t) => [t.name, t.measured, t.target, t.pass ? "yes" : "NO"]),
    ),
  ];
  return lines.join("\n");
}

/** The targets the row adds: throughput ratio and nothing lost or doubled. */
export function replicasTargets(
  row: ReplicasRow,
): { name: string; measured: string; target: string; pass: boolean }[] {
  const lost = row.three.missing + row.three.doubled + row.three.errors;
  return [
    {
      name: "replicas: 3 processes vs 1, presents/s",
      measured: `${row.ratio.toFixed(2)}x`,
      target: `>= ${REPLICAS_TARGET}x`,
      pass: row.ratio >= REPLICAS_TARGET,
    },
    {
      name: "replicas: acknowledged presents missing or doubled, errors",
      measured: String(lost),
      target: "0",
      pass: lost === 0,
    },
  ];
}
