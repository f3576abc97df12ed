/**
 * The run itself (normally inside the fresh network namespace): set up bind, the DNS repository,
 * Pebble, the database and the provider, run the scenarios, then stop everything by pid and
 * remove what was created, on success, failure, timeout or interrupt alike.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configureBind, startBind } from "./bind.js";
import { createDatabase } from "./database.js";
import { createDnsRepository, exportZones, installDeployHook } from "./dns-repository.js";
import { type Daemon, killRunningCommands, run } from "./exec.js";
import { layoutFor } from "./layout.js";
import type { Options } from "./options.js";
import { configurePebble, saveIssuingRoot, startPebble } from "./pebble.js";
import { allocatePorts } from "./ports.js";
import { prepareProvider, providerCli, providerGet, startProvider } from "./provider.js";
import { formatSeconds, type ScenarioOutcome, summaryLine, totalLine } from "./report.js";
import { CHALLENGE_NAMES, type Credentials, type Harness, SCENARIOS } from "./scenarios.js";
import { locateTools, type ToolPaths } from "./system-tools.js";
import { checkZoneRestored, snapshotZone, type ZoneSnapshot } from "./zone-state.js";
import { ZONES } from "./zones.js";

export interface InsideInputs {
  readonly options: Options;
  readonly providerCli: string;
  readonly hookScript: string;
}

type Step = { readonly what: string; readonly undo: () => Promise<void> };

function password(): string {
  return randomBytes(18).toString("base64url");
}

export async function runInside({ options, providerCli: cli, hookScript }: InsideInputs): Promise<number> {
  const started = performance.now();
  const log = (line: string) =>
    process.stdout.write(`[e2e ${formatSeconds(performance.now() - started).padStart(7)}] ${line}\n`);
  const undo: Step[] = [];
  const logFiles: string[] = [];
  let scratch: string | undefined;
  let failed = false;
  let cleanedUp: Promise<void> | undefined;

  const cleanup = (): Promise<void> => {
    cleanedUp ??= (async () => {
      killRunningCommands();
      for (const step of undo.reverse()) {
        try {
          await step.undo();
        } catch (err) {
          log(`cleanup: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (scratch !== undefined) {
        if (failed) await printLogTails(logFiles, log);
        if (options.keep) log(`kept scratch directory ${scratch}`);
        else await rm(scratch, { recursive: true, force: true });
      }
    })();
    return cleanedUp;
  };
  let aborting = false;
  let abortCode = 1;
  const abort = (why: string, code: number) => {
    aborting = true;
    abortCode = code;
    failed = true;
    log(`${why}; stopping everything`);
    // Killing the running command lets the main flow report and return; if something else
    // keeps it waiting, exit anyway once everything is cleaned up.
    void cleanup().finally(() => setTimeout(() => process.exit(code), 5_000).unref());
  };
  process.once("SIGINT", () => abort("interrupted", 130));
  process.once("SIGTERM", () => abort("terminated", 143));
  const deadline = setTimeout(
    () => abort(`timed out after ${options.timeoutSeconds} s`, 1),
    options.timeoutSeconds * 1000,
  );

  const outcomes: ScenarioOutcome[] = [];
  let setupMs = 0;
  try {
    const { found, missing } = locateTools(process.env.PATH);
    if (missing.length > 0) throw new Error(`missing tools: ${missing.join(", ")}`);
    const tools = found as ToolPaths;
    if (options.insideNetns) await run([tools.ip, "link", "set", "lo", "up"]);

    scratch = await mkdtemp(join(tmpdir(), "hlp-e2e-"));
    const layout = layoutFor(scratch);
    await Promise.all(
      [layout.logDir, layout.home, layout.legoDir].map((dir) => mkdir(dir, { recursive: true })),
    );
    logFiles.push(
      join(layout.logDir, "provider.log"),
      join(layout.logDir, "deploy-hook.log"),
      join(layout.logDir, "pebble.log"),
      join(layout.logDir, "named.stderr.log"),
    );
    const ports = await allocatePorts();
    log(`scratch ${scratch}; ports dns ${ports.dns}, acme ${ports.acme}, provider ${ports.provider}`);

    const database = await createDatabase(options.pgSocketDir);
    log(`database ${database.name} (via ${options.pgSocketDir})`);
    if (!options.keep) undo.push({ what: `drop database ${database.name}`, undo: database.drop });

    await configureBind(tools, layout, ports, ZONES);
    await createDnsRepository(tools, layout, ZONES);
    await exportZones(tools, layout, ZONES);
    const baseline = new Map<string, ZoneSnapshot>();
    for (const zone of ZONES) baseline.set(zone, await snapshotZone(tools, layout, zone));
    const named = await startBind(tools, layout, ports, ZONES);
    undo.push(stopStep(named, log));
    await installDeployHook(tools, layout, ports, ZONES, hookScript);
    log(`bind9 serving ${ZONES.join(", ")} from the bare repository ${layout.bareRepo}`);

    await configurePebble(tools, layout, ports);
    const pebble = await startPebble(tools, layout, ports);
    undo.push(stopStep(pebble, log));
    await saveIssuingRoot(layout, ports);
    log("pebble ready (authorization reuse off, DNS-01 against our bind)");

    const provider = await prepareProvider(cli, layout, ports, database.connectString);
    const granted: Credentials = { username: "alice", password: password() };
    const ungranted: Credentials = { username: "bob", password: password() };
    await providerCli(provider, ["migrate"]);
    // Independent CLI calls run side by side: each one is a Node start-up plus a connection.
    await Promise.all([
      providerCli(provider, ["create-user", granted.username, "--password", granted.password]).then(() =>
        providerCli(provider, [
          "allow-domains",
          granted.username,
          "--domains",
          "example.test",
          "--subdomains",
          "example.co.test",
        ]),
      ),
      providerCli(provider, ["create-user", ungranted.username, "--password", ungranted.password]),
    ]);
    log(
      `provider CLI: migrated; ${granted.username} may manage example.test (domain) and example.co.test (subdomains); ${ungranted.username} nothing`,
    );
    const service = await startProvider(provider, layout);
    undo.push(stopStep(service, log));
    setupMs = performance.now() - started;
    log(`provider serving on ${provider.baseUrl}; setup took ${formatSeconds(setupMs)}`);

    const harness: Harness = {
      tools,
      layout,
      ports,
      provider,
      granted,
      ungranted,
      providerLog: service.logFile,
    };
    const attempt = async (id: string, body: () => Promise<string>) => {
      log(`scenario ${id} ...`);
      const t0 = performance.now();
      let outcome: ScenarioOutcome;
      try {
        outcome = { id, passed: true, durationMs: performance.now() - t0, detail: await body() };
        outcome = { ...outcome, durationMs: performance.now() - t0 };
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        outcome = { id, passed: false, durationMs: performance.now() - t0, detail };
      }
      outcomes.push(outcome);
      log(summaryLine(outcome));
      const more = outcome.detail.split("\n").slice(1).join("\n");
      if (!outcome.passed && more !== "") process.stdout.write(`${indent(more)}\n`);
    };
    for (const scenario of SCENARIOS.filter((s) => options.only.includes(s.id))) {
      if (aborting) break;
      await attempt(scenario.id, () => scenario.run(harness));
    }
    if (!aborting) await attempt("zones-at-end", () => checkPreRunRecords(harness, baseline));
  } catch (err) {
    failed = true;
    log(`setup failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(deadline);
    if (outcomes.some((o) => !o.passed)) failed = true;
    await cleanup();
  }
  process.stdout.write("\n");
  for (const outcome of outcomes) process.stdout.write(`${summaryLine(outcome)}\n`);
  process.stdout.write(`${totalLine(outcomes, setupMs, performance.now() - started, aborting)}\n`);
  if (aborting) return abortCode;
  return failed || outcomes.length === 0 ? 1 : 0;
}

/** After all scenarios, every zone has exactly its pre-run records again (serials aside). */
async function checkPreRunRecords(
  harness: Harness,
  baseline: ReadonlyMap<string, ZoneSnapshot>,
): Promise<string> {
  const notes: string[] = [];
  for (const [zone, before] of baseline) {
    const now = await checkZoneRestored(harness.tools, harness.layout, harness.ports.dns, {
      zone,
      before,
      when: "before the run",
      serial: "any",
      challengeNames: CHALLENGE_NAMES.filter((name) => name.endsWith(`.${zone}`)),
    });
    notes.push(`${zone} ${before.records.length} records, serial ${before.serial}->${now.serial}`);
  }
  const ready = await providerGet(harness.provider, "/readyz");
  if (ready.status !== 200)
    throw new Error(`provider /readyz answers ${ready.status}: ${ready.body.slice(0, 300)}`);
  return `zone files back to their pre-run records (${notes.join("; ")}); /readyz 200`;
}

function stopStep(daemon: Daemon, log: (line: string) => void): Step {
  return {
    what: `stop ${daemon.name} (pid ${daemon.pid})`,
    undo: async () => {
      const code = await daemon.stop();
      // The provider's contract: SIGTERM drains and exits 0. Others may report the signal.
      if (daemon.name === "provider" && code !== 0)
        log(`warning: provider exited with ${code} on SIGTERM (expected 0)`);
    },
  };
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `      ${line}`)
    .join("\n");
}

async function printLogTails(files: readonly string[], log: (line: string) => void): Promise<void> {
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = (await readFile(file, "utf8")).trim();
    if (text === "") continue;
    log(`last lines of ${file}:`);
    process.stdout.write(`${indent(text.split("\n").slice(-15).join("\n"))}\n`);
  }
}
