/** The real provider service as a child process, and its CLI, configured only through env. */
import { readFile, writeFile } from "node:fs/promises";
import { freePort } from "@httprequest-lego-provider/free-port";
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "@httprequest-lego-provider/provider/runtime-flags";
import { type Daemon, run as runCommand, start } from "@httprequest-lego-provider/run-command";
import { run } from "./exec.js";
import { BenchClient } from "./http-client.js";

export interface ServiceEnv {
  readonly cliPath: string;
  /** Undefined runs the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly gitRepo: string;
  readonly sshKey?: string | undefined;
  readonly knownHosts?: string | undefined;
}

function envFor(s: ServiceEnv, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    APP_HOST: "127.0.0.1",
    APP_SECRET_KEY: "bench-secret-key-0123456789abcdef",
    APP_DATA_DIR: s.dataDir,
    APP_GIT_REPO: s.gitRepo,
    APP_LOG_LEVEL: "warn",
  };
  if (s.databaseUrl !== undefined) env.POSTGRESQL_DB_CONNECT_STRING = s.databaseUrl;
  if (port !== undefined) {
    env.APP_PORT = String(port);
    Object.assign(env, serviceEnvironment());
  }
  if (s.sshKey !== undefined) env.APP_GIT_SSH_KEY = s.sshKey;
  if (s.knownHosts !== undefined) env.APP_GIT_KNOWN_HOSTS = s.knownHosts;
  return env;
}

/**
 * The V8 flags the service runs with: the production ones, unless BENCH_SERVICE_NODE_FLAGS
 * (space-separated, may be empty) replaces them to compare alternatives.
 */
export function serviceNodeFlags(): string[] {
  const override = process.env.BENCH_SERVICE_NODE_FLAGS;
  if (override === undefined) return [...SERVICE_NODE_FLAGS];
  return override.split(/\s+/).filter((f) => f !== "");
}

/**
 * The environment the service runs with besides its configuration (glibc's malloc settings): the
 * production one, unless BENCH_SERVICE_ENV (space-separated NAME=value pairs, may be empty)
 * replaces it to compare alternatives.
 */
export function serviceEnvironment(): Record<string, string> {
  const override = process.env.BENCH_SERVICE_ENV;
  if (override === undefined) return { ...SERVICE_ENVIRONMENT };
  const env: Record<string, string> = {};
  for (const pair of override.split(/\s+/).filter((p) => p !== "")) {
    const eq = pair.indexOf("=");
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

let ticks: number | undefined;
async function clockTicksPerSecond(): Promise<number> {
  if (ticks === undefined) {
    const out = await runCommand(["getconf", "CLK_TCK"], { allowFailure: true }).catch(() => undefined);
    const value = Number(out?.stdout.trim());
    ticks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return ticks;
}

/** The node binary that runs the service: this one, unless BENCH_SERVICE_NODE names another. */
export function serviceNode(): string {
  const override = process.env.BENCH_SERVICE_NODE;
  return override === undefined || override === "" ? process.execPath : override;
}

export function cli(s: ServiceEnv, args: readonly string[]): Promise<string> {
  return run([serviceNode(), s.cliPath, ...args], { env: envFor(s), timeoutMs: 120_000 });
}

export interface MetricSample {
  readonly sum: number;
  readonly count: number;
}

/** `<name>_sum` and `<name>_count` per label set, from Prometheus text. */
export function parseHistogram(text: string, name: string): Map<string, MetricSample> {
  const out = new Map<string, MetricSample>();
  const re = new RegExp(`^${name}_(sum|count)(\\{[^}]*\\})? ([0-9.eE+-]+)$`, "gm");
  for (const m of text.matchAll(re)) {
    const labels = m[2] ?? "";
    const prev = out.get(labels) ?? { sum: 0, count: 0 };
    out.set(labels, m[1] === "sum" ? { ...prev, sum: Number(m[3]) } : { ...prev, count: Number(m[3]) });
  }
  return out;
}

export class RunningService {
  private rssPeakKb = 0;
  private sampler: NodeJS.Timeout | undefined;

  private constructor(
    readonly child: Daemon,
    readonly url: string,
    readonly logPath: string,
  ) {}

  static async start(s: ServiceEnv, logPath: string): Promise<RunningService> {
    const port = await freePort();
    await writeFile(logPath, ""); // a fresh log for each start
    const child = start("service", [serviceNode(), ...serviceNodeFlags(), s.cliPath, "serve"], {
      env: envFor(s, port),
      logFile: logPath,
    });
    const svc = new RunningService(child, `http://127.0.0.1:${port}`, logPath);
    const probe = new BenchClient(svc.url, undefined);
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        if (child.hasExited()) throw new Error(`service exited with ${await child.exited}; see ${logPath}`);
        const ok = await probe.get("/healthz").then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline)
          throw new Error(`service did not answer /healthz within 60 s; see ${logPath}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Ready means the DNS clone is open, so the first measured request does not pay for it.
      for (;;) {
        const r = await probe.get("/readyz").catch(() => undefined);
        if (r?.status === 200) break;
        if (Date.now() > deadline) {
          throw new Error(`service not ready within 60 s (${r?.body ?? "no answer"}); see ${logPath}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      probe.close();
    }
    return svc;
  }

  async status(): Promise<{ rssKb: number; hwmKb: number }> {
    const text = await readFile(`/proc/${this.child.pid}/status`, "utf8").catch(() => "");
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
  }

  /**
   * CPU seconds used so far by the service process itself and by the children it has waited
   * for (git and receive-pack), from /proc/<pid>/stat.
   */
  async cpuSeconds(): Promise<{ self: number; children: number }> {
    const text = await readFile(`/proc/${this.child.pid}/stat`, "utf8").catch(() => "");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = text
      .slice(text.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const tick = await clockTicksPerSecond();
    const at = (field: number): number => fields[field - 3] ?? 0;
    return { self: (at(14) + at(15)) / tick, children: (at(16) + at(17)) / tick };
  }

  /** Samples RSS every `intervalMs` until stopSampling(); returns the peak seen. */
  startSampling(intervalMs = 100): void {
    this.rssPeakKb = 0;
    this.sampler = setInterval(() => {
      void this.status().then((s) => {
        this.rssPeakKb = Math.max(this.rssPeakKb, s.rssKb);
      });
    }, intervalMs);
  }

  stopSampling(): number {
    if (this.sampler) clearInterval(this.sampler);
    return this.rssPeakKb;
  }

  async metrics(): Promise<string> {
    const c = new BenchClient(this.url, undefined);
    try {
      return (await c.get("/metrics")).body;
    } finally {
      c.close();
    }
  }

  async stop(): Promise<void> {
    await this.child.stop(15_000);
  }
}
