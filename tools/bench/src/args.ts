/** Command-line options of `pnpm bench`. */
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
BENCH_SERVICE_NODE runs the service with another node binary, e.g. the Node 24 the image ships
(\`node tools/node24/lib/cli.js --print-node\` fetches it and prints its path).`;

function list(value: string | undefined, name: string): number[] {
  const items = (value ?? "").split(",").map((s) => Number(s.trim()));
  if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} needs a comma-separated list of positive integers`);
  }
  return items;
}

export function parseArgs(argv: readonly string[]): BenchArgs | "help" {
  const quick = argv.includes("--quick");
  let sizes: number[] = quick ? [100, 10_000] : [100, 10_000, 100_000];
  let transports: ("file" | "ssh")[] = ["file", "ssh"];
  let clients: number[] = [1, 16, 32, 64];
  let duration = quick ? 3 : 10;
  let sequential = quick ? 15 : 40;
  let baseline = true;
  let outDir = "bench-results";
  let keep = false;
  let rows: string[] = [...ROWS];
  let soakMinutes = quick ? 1 : 5;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = (): string | undefined => {
      i += 1;
      return argv[i];
    };
    switch (arg) {
      case "--help":
      case "-h":
        return "help";
      case "--quick":
        break;
      case "--sizes":
        sizes = list(next(), "--sizes");
        break;
      case "--transports": {
        const t = (next() ?? "").split(",");
        if (t.length === 0 || t.some((x) => x !== "file" && x !== "ssh"))
          throw new Error("--transports takes file and/or ssh");
        transports = t as ("file" | "ssh")[];
        break;
      }
      case "--clients":
        clients = list(next(), "--clients");
        break;
      case "--duration":
        duration = list(next(), "--duration")[0] as number;
        break;
      case "--sequential":
        sequential = list(next(), "--sequential")[0] as number;
        break;
      case "--no-baseline":
        baseline = false;
        break;
      case "--out":
        outDir = next() ?? outDir;
        break;
      case "--keep":
        keep = true;
        break;
      case "--rows": {
        rows = (next() ?? "").split(",");
        const unknown = rows.filter((r) => !(ROWS as readonly string[]).includes(r));
        if (unknown.length > 0 || rows.length === 0)
          throw new Error(`--rows takes a comma-separated list of ${ROWS.join(", ")}`);
        break;
      }
      case "--soak-minutes":
        soakMinutes = list(next(), "--soak-minutes")[0] as number;
        break;
      case "--":
        break;
      default:
        throw new Error(`unknown option ${arg}; see --help`);
    }
  }
  if (clients.some((c) => c > 256)) throw new Error("--clients: at most 256 (load stays bounded)");
  if (duration > 120) throw new Error("--duration: at most 120 seconds per step");
  if (soakMinutes > 60) throw new Error("--soak-minutes: at most 60");
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
    rows,
    soakMinutes,
  };
}
