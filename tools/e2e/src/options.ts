/** Command-line options of the e2e run (pure: argv in, frozen options out). */
import { parseArgs } from "node:util";

export const SCENARIO_IDS = [
  "apex-wildcard",
  "subdomain-grant",
  "apex-wildcard-raw",
  "subdomain-grant-raw",
  "no-grant",
  "acme-sh",
  "propagation",
  "acme-dns",
  "acme-dns-dehydrated",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface Options {
  readonly keep: boolean;
  readonly install: boolean;
  readonly netns: boolean;
  /** Set by the launcher when it re-runs itself inside the new network namespace. */
  readonly insideNetns: boolean;
  readonly providerCli: string | undefined;
  /** Unix socket directory; undefined: the launcher picks a server with test-postgres. */
  readonly pgSocketDir: string | undefined;
  /** Port of that server (names its socket file `.s.PGSQL.<port>`). */
  readonly pgPort: number;
  readonly timeoutSeconds: number;
  readonly only: readonly ScenarioId[];
}

export const HELP = `Usage: pnpm e2e [options]

Obtains real certificates through the provider: the real lego binary (httpreq DNS provider)
talks to the built provider (packages/provider/dist/cli.js) backed by a fresh PostgreSQL
database and a bare git repository of zone files; a post-receive hook deploys the zones to a
local bind9, which Pebble (a test ACME CA) queries to validate the DNS-01 challenges.
Everything runs inside a fresh network namespace that has only a loopback interface.

Missing Debian packages (lego pebble bind9 bind9-utils dnsutils dehydrated curl) are installed with apt-get
(root only). PostgreSQL must accept user "postgres" without a password on its unix socket;
without --pg-socket-dir the run uses the server TEST_PG_ADMIN_URL/TEST_PG_SOCKET_DIR name, else
the machine's (127.0.0.1:5432, socket in /var/run/postgresql), else a private throw-away one.

Options:
  --keep                 keep the scratch directory and the database (their names are printed)
  --no-install           do not run apt-get; fail when a tool is missing
  --no-netns             run without a network namespace (servers still bind to 127.0.0.1 only)
  --only <ids>           comma-separated scenarios to run (default: all):
                         ${SCENARIO_IDS.join(", ")}
  --provider-cli <path>  provider CLI to drive (default: packages/provider/dist/cli.js)
  --pg-socket-dir <dir>  PostgreSQL unix socket directory (default: chosen as above)
  --pg-port <port>       port of the server at --pg-socket-dir (default: 5432)
  --timeout <seconds>    abort the whole run after this long (default: 300)
  -h, --help             show this help

Exit status: 0 when every scenario passed, 1 when one failed, 2 on a usage error.
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseOptions(argv: readonly string[]): Options | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return "help";
  const timeoutSeconds = v.timeout === undefined ? 300 : Number(v.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 3600) {
    throw new UsageError(
      `--timeout must be a whole number of seconds between 10 and 3600, got "${v.timeout}"`,
    );
  }
  const pgPort = v["pg-port"] === undefined ? 5432 : Number(v["pg-port"]);
  if (!Number.isInteger(pgPort) || pgPort < 1 || pgPort > 65535) {
    throw new UsageError(`--pg-port must be a port number (1-65535), got "${v["pg-port"]}"`);
  }
  return Object.freeze({
    keep: v.keep ?? false,
    install: !(v["no-install"] ?? false),
    netns: !(v["no-netns"] ?? false),
    insideNetns: v["inside-netns"] ?? false,
    providerCli: v["provider-cli"],
    pgSocketDir: v["pg-socket-dir"],
    pgPort,
    timeoutSeconds,
    only: v.only === undefined ? SCENARIO_IDS : parseScenarioList(v.only),
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      keep: { type: "boolean" },
      "no-install": { type: "boolean" },
      "no-netns": { type: "boolean" },
      "inside-netns": { type: "boolean" },
      only: { type: "string" },
      "provider-cli": { type: "string" },
      "pg-socket-dir": { type: "string" },
      "pg-port": { type: "string" },
      timeout: { type: "string" },
    },
  });
}

function parseScenarioList(text: string): ScenarioId[] {
  const ids = text
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  const known: readonly string[] = SCENARIO_IDS;
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new UsageError(
      `--only: unknown scenario "${unknown.join(", ") || text}"; choose from ${SCENARIO_IDS.join(", ")}`,
    );
  }
  return SCENARIO_IDS.filter((id) => ids.includes(id));
}

/** The same options as argv, for the launcher to pass to its copy inside the namespace. */
export function toArgv(options: Options): string[] {
  const argv: string[] = [];
  if (options.keep) argv.push("--keep");
  if (!options.install) argv.push("--no-install");
  if (!options.netns) argv.push("--no-netns");
  if (options.insideNetns) argv.push("--inside-netns");
  if (options.providerCli !== undefined) argv.push("--provider-cli", options.providerCli);
  if (options.pgSocketDir !== undefined) argv.push("--pg-socket-dir", options.pgSocketDir);
  argv.push("--pg-port", String(options.pgPort));
  argv.push("--timeout", String(options.timeoutSeconds));
  if (options.only.length !== SCENARIO_IDS.length) argv.push("--only", options.only.join(","));
  return argv;
}
