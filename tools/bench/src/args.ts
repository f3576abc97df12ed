/** Command-line options of `pnpm bench`. */
import { parseArgs as parseCommandLine } from "node:util";

export interface BenchArgs {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly transports: readonly ("file" | "ssh")[];
  readonly clients: readonly number[];
  /** Seconds of closed-loop load per client count. */
  readonly duration: number;
  /** Sequential present+cleanup pairs per history size. */
  readonly sequential: number;
  readonly baseline: boolean;
  readonly outDir: string;
  readonly keep: boolean;
  /** The replicas row: 3 processes vs 1 on one database and one remote ("only": nothing else). */
  readonly replicas: "yes" | "no" | "only";
  /** Which rows run: history (the main tables), embedded, outage, soak. */
  readonly rows: readonly string[];
  /** Minutes of the soak row. */
  readonly soakMinutes: number;
}

export const ROWS = ["history", "embedded", "outage", "soak"] as const;

export const USAGE = `Usage: pnpm bench [options]

Benchmarks the provider service (node packages/provider/dist/cli.js serve) over HTTP with Basic
auth against synthetic DNS repositories, side by side with the clone-per-request strategy of the
Django app it replaces. Everything runs on 127.0.0.1 (a private sshd for the ssh runs, a fresh
PostgreSQL database on 127.0.0.1:5432). Prints a table and writes JSON to bench-results/.

Options:
  --quick               short run: histories 100 and 10,000, fewer requests, 3 s load steps
  --sizes a,b,c         history sizes in commits (default 100,10000,100000)
  --transports x,y      file and/or ssh (default file,ssh)
  --clients a,b         concurrent clients for the load steps (default 1,16,32,64)
  --duration S          seconds per load step (default 10; quick 3)
  --sequential N        sequential present+cleanup pairs per history (default 40; quick 15)
  --no-baseline         skip the clone-per-request baseline
  --out DIR             where to write the JSON (default bench-results)
  --keep                keep the scratch directory (repositories, service logs)
  --no-replicas         skip the replicas row (3 processes vs 1 on one database and remote)
  --only-replicas       run the replicas row only
  --rows a,b            rows to run: history (sequential and load over histories and
                        transports), embedded (PGlite against PostgreSQL at 64 clients), outage
                        (a private PostgreSQL stopped under load), soak (embedded, per minute)
                        (default all)
  --soak-minutes M      length of the soak row (default 5; quick 1)
  --help                show this help

Environment: BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres) is the
administrative connection used to create and drop the bench database. The service runs with the
V8 flags it runs with in production (SERVICE_NODE_FLAGS in packages/provider/src/runtime-flags.ts);
BENCH_SERVICE_NODE_FLAGS, when set (space-separated, may be empty), replaces them to compare.
Likewise its malloc settings (SERVICE_ENVIRONMENT there): BENCH_SERVICE_ENV, when set
(space-separated NAME=value pairs, may be empty), replaces them.
BENCH_SERVICE_NODE runs the service with another node binary, e.g. the Node 24 the image ships
(\`node tools/node24/lib/cli.js --print-node\` fetches it and prints its path).`;

/** The flags USAGE documents, for node:util's parser. */
const OPTIONS = {
  quick: { type: "boolean" },
  sizes: { type: "string" },
  transports: { type: "string" },
  clients: { type: "string" },
  duration: { type: "string" },
  sequential: { type: "string" },
  "no-baseline": { type: "boolean" },
  out: { type: "string" },
  keep: { type: "boolean" },
  "no-replicas": { type: "boolean" },
  "only-replicas": { type: "boolean" },
  rows: { type: "string" },
  "soak-minutes": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function list(value: string | undefined, name: string): number[] {
  const items = (value ?? "").split(",").map((s) => Number(s.trim()));
  if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} needs a comma-separated list of positive integers`);
  }
  return items;
}

function transportList(value: string): ("file" | "ssh")[] {
  const transports: ("file" | "ssh")[] = [];
  for (const t of value.split(",")) {
    if (t !== "file" && t !== "ssh") throw new Error("--transports takes file and/or ssh");
    transports.push(t);
  }
  return transports;
}

/** The flags as node:util parses them; a parse error points at --help. */
function readFlags(argv: readonly string[]) {
  try {
    return parseCommandLine({
      // A "--" (as pnpm may pass it on) separates nothing here: every argument is an option.
      args: argv.filter((arg) => arg !== "--"),
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    }).values;
  } catch (err) {
    throw new Error(`${(err as Error).message}; see --help`);
  }
}

export function parseArgs(argv: readonly string[]): BenchArgs | "help" {
  const values = readFlags(argv);
  if (values.help === true) return "help";
  const quick = values.quick === true;
  const sizes =
    values.sizes === undefined
      ? quick
        ? [100, 10_000]
        : [100, 10_000, 100_000]
      : list(values.sizes, "--sizes");
  const transports =
    values.transports === undefined ? ["file" as const, "ssh" as const] : transportList(values.transports);
  const clients = values.clients === undefined ? [1, 16, 32, 64] : list(values.clients, "--clients");
  const duration =
    values.duration === undefined ? (quick ? 3 : 10) : (list(values.duration, "--duration")[0] as number);
  const sequential =
    values.sequential === undefined
      ? quick
        ? 15
        : 40
      : (list(values.sequential, "--sequential")[0] as number);
  const baseline = values["no-baseline"] !== true;
  const outDir = values.out ?? "bench-results";
  const keep = values.keep === true;
  if (values["no-replicas"] === true && values["only-replicas"] === true)
    throw new Error("--no-replicas and --only-replicas exclude each other");
  const replicas: BenchArgs["replicas"] =
    values["only-replicas"] === true ? "only" : values["no-replicas"] === true ? "no" : "yes";
  const rows = values.rows === undefined ? [...ROWS] : values.rows.split(",");
  const unknownRows = rows.filter((r) => !(ROWS as readonly string[]).includes(r));
  if (unknownRows.length > 0 || rows.length === 0)
    throw new Error(`--rows takes a comma-separated list of ${ROWS.join(", ")}`);
  const soakMinutes =
    values["soak-minutes"] === undefined
      ? quick
        ? 1
        : 5
      : (list(values["soak-minutes"], "--soak-minutes")[0] as number);
  if (soakMinutes > 60) throw new Error("--soak-minutes: at most 60");
  if (clients.some((c) => c > 256)) throw new Error("--clients: at most 256 (load stays bounded)");
  if (duration > 120) throw new Error("--duration: at most 120 seconds per step");
  return {
    quick,
    sizes,
    transports,
    clients,
    duration,
    sequential,
    baseline,
    outDir,
    keep,
    replicas,
    rows,
    soakMinutes,
  };
}
