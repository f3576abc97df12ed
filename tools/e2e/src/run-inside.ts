/**
 * The run itself (normally inside the fresh network namespace): set up bind, the DNS repository,
 * Pebble, the database and the provider, run the scenarios, then stop everything by pid and
 * remove what was created, on success, failure, timeout or interrupt alike.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killRunningCommands, run, stopAllDaemons } from "@httprequest-lego-provider/run-command";
import { layoutFor } from "./layout.js";
import type { Options } from "./options.js";
import { providerGet } from "./provider.js";
import { formatSeconds, type ScenarioOutcome, ScenarioSkipped, summaryLine, totalLine } from "./report.js";
import { CHALLENGE_NAMES, type Harness, SCENARIOS } from "./scenarios.js";
import { type Step, setUp } from "./setup.js";
import { locateTools, type ToolPaths } from "./system-tools.js";
import { checkZoneRestored, type ZoneSnapshot } from "./zone-state.js";

export interface InsideInputs {
  readonly options: Options;
  readonly providerCli: string;
  readonly hookScript: string;
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
  let aborting = false;
  let abortCode = 1;

  const cleanup = (): Promise<void> => {
    cleanedUp ??= (async () => {
      killRunningCommands();
      for (const { name, pid, code } of await stopAllDaemons()) {
        // The provider's contract: SIGTERM drains and exits 0 (the others may report the signal).
        if (name === "provider" && code !== 0)
          log(`warning: provider (pid ${pid}) exited with ${code} on SIGTERM`);
      }
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
        else
          await rm(scratch, { recursive: true, force: true, maxRetries: 3 }).catch((err: unknown) => {
            log(`cleanup: could not remove ${scratch}: ${err instanceof Error ? err.message : String(err)}`);
          });
      }
    })();
    return cleanedUp;
  };
  const abort = (why: string, code: number) => {
    aborting = true;
    abortCode = code;
    failed = true;
    log(`${why}; stopping everything`);
    // Killing the running command lets the main flow report and return; if something else
    // keeps it waiting, exit anyway once everything is cleaned up.
    void cleanup().finally(() => setTimeout(() => process.exit(code), 5_000));
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
    logFiles.push(
      ...[
        "provider.log",
        "provider-propagation.log",
        "deploy-hook.log",
        "pebble.log",
        "named.stderr.log",
      ].map((f) => join(layout.logDir, f)),
    );
    const { harness, baseline } = await setUp({
      tools,
      layout,
      options,
      providerCli: cli,
      hookScript,
      undo,
      log,
    });
    setupMs = performance.now() - started;
    log(`provider serving on ${harness.provider.baseUrl}; setup took ${formatSeconds(setupMs)}`);

    const attempt = async (id: string, body: () => Promise<string>) => {
      log(`scenario ${id} ...`);
      const t0 = performance.now();
      let passed = true;
      let skipped = false;
      let detail: string;
      try {
        detail = await body();
      } catch (err) {
        skipped = err instanceof ScenarioSkipped;
        passed = skipped;
        detail = err instanceof Error ? err.message : String(err);
      }
      const outcome: ScenarioOutcome = { id, passed, skipped, durationMs: performance.now() - t0, detail };
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
