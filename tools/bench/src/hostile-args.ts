/** Command-line options of `pnpm bench:hostile`. */
import { parseArgs } from "node:util";

export type Backend = "postgresql" | "pglite";

export interface HostileArgs {
  readonly backends: readonly Backend[];
  /** Seconds of hostile load per backend. */
  readonly duration: number;
  readonly attackers: number;
  readonly outDir: string;
  readonly keep: boolean;
}

export const HOSTILE_USAGE = `Usage: pnpm bench:hostile [options]

Runs the provider service (node packages/provider/dist/cli.js serve, production flags) against a
hostile mix of clients on 127.0.0.1 and measures whether it stays small and available: attacker
loops from 127.0.0.2-127.0.0.9 send wrong passwords for a real user with rotating
X-Forwarded-For, 60 KB usernames to /api/v1/auth/token/, malformed JSON and unknown usernames,
while one real client on 127.0.0.20 presents a record every 250 ms. Samples the service's RSS
every 200 ms and counts the audit rows the attack left. Prints a table per backend and writes
JSON to bench-results/hostile-<timestamp>.json.

Options:
  --backends x,y     postgresql and/or pglite (default postgresql,pglite)
  --duration S       seconds of hostile load per backend (default 60)
  --attackers N      concurrent attacker loops (default 16; 0 = the real client alone)
  --out DIR          where to write the JSON (default bench-results)
  --keep             keep the scratch directory (repository, data dirs, service logs)
  --help             show this help

Environment: BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres) is the
administrative connection used to create and drop the PostgreSQL database. BENCH_SERVICE_NODE,
BENCH_SERVICE_NODE_FLAGS and BENCH_SERVICE_ENV work as for pnpm bench.`;

function integer(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}`);
  return n;
}

export function parseHostileArgs(argv: readonly string[]): HostileArgs | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      backends: { type: "string" },
      duration: { type: "string" },
      attackers: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return "help";
  const backends = (values.backends ?? "postgresql,pglite").split(",").map((b) => b.trim());
  if (backends.length === 0 || backends.some((b) => b !== "postgresql" && b !== "pglite"))
    throw new Error("--backends takes postgresql and/or pglite");
  return {
    backends: [...new Set(backends)] as Backend[],
    duration: integer(values.duration, "--duration", 60, 1),
    // 0 runs the real client alone: its latency on the same machine without the attack.
    attackers: integer(values.attackers, "--attackers", 16, 0),
    outDir: values.out ?? "bench-results",
    keep: values.keep === true,
  };
}
