/**
 * post-receive hook of the test DNS repository: deploys the pushed zone files to bind's zone
 * directory, reloads bind and waits until bind serves the new serials. It stands in for the DNS
 * side that consumes the repository in production. Usage (from hooks/post-receive):
 *   node zone-deploy-hook.js <config.json>   (git writes "<old> <new> <ref>" lines to stdin)
 *
 * With `reloadDelayMs` in the config it plays a slow DNS side instead (a cron pull, a late
 * `rndc reload`): the hook returns at once, so the push completes, and a detached copy of itself
 * deploys the branch's tip that many milliseconds later.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "@httprequest-lego-provider/run-command";
import { deployedCommit } from "./deployed-commit.js";
import { servedSerial } from "./dig.js";
import { pendingDeploysDir } from "./pending-deploys.js";
import { waitUntil } from "./wait-until.js";
import { parseLoadedSerial, zoneFileName } from "./zones.js";

export interface DeployHookConfig {
  readonly branch: string;
  readonly zonesDir: string;
  readonly zones: readonly string[];
  readonly git: string;
  readonly rndc: string;
  readonly rndcConf: string;
  readonly namedCheckzone: string;
  readonly dig: string;
  readonly dnsPort: number;
  /** Deploy this long after the push, without holding the push up (0 or absent: during it). */
  readonly reloadDelayMs?: number;
}

const DEFERRED = "--deferred";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function currentText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

async function deploy(config: DeployHookConfig, commit: string): Promise<string[]> {
  const changed: { zone: string; serial: number }[] = [];
  for (const zone of config.zones) {
    const shown = await run([config.git, "show", `${commit}:${zoneFileName(zone)}`], { allowFailure: true });
    if (shown.code !== 0) continue; // zone not in this commit: leave bind's copy alone
    const target = join(config.zonesDir, zoneFileName(zone));
    if ((await currentText(target)) === shown.stdout) continue;
    // Write beside and rename, so bind never reads a half-written file.
    const temporary = `${target}.deploying-${process.pid}`;
    await writeFile(temporary, shown.stdout);
    const check = await run([config.namedCheckzone, zone, temporary], { allowFailure: true });
    const serial = parseLoadedSerial(check.stdout);
    if (check.code !== 0 || serial === undefined) {
      throw new Error(`${zoneFileName(zone)} at ${commit} does not load:\n${check.stdout}${check.stderr}`);
    }
    await rename(temporary, target);
    changed.push({ zone, serial });
  }
  if (changed.length === 0) return [];
  await run([config.rndc, "-c", config.rndcConf, "reload"], { timeoutMs: 10_000 });
  for (const { zone, serial } of changed) {
    await waitUntil(
      `bind serving ${zone} serial ${serial}`,
      async () =>
        // A later deploy (deferred ones overlap) may already have loaded a newer serial.
        ((await servedSerial({ dig: config.dig, port: config.dnsPort }, zone)) ?? 0) >= serial
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
  }
  return changed.map(({ zone, serial }) => `${zone}@${serial}`);
}

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (configPath === undefined || configPath === "--help" || configPath === "-h") {
    process.stdout.write("Usage: zone-deploy-hook.js <config.json>  (run by git as post-receive)\n");
    process.exitCode = configPath === undefined ? 2 : 0;
    return;
  }
  const config = JSON.parse(await readFile(configPath, "utf8")) as DeployHookConfig;
  const delayMs = config.reloadDelayMs ?? 0;
  if (process.argv[3] === DEFERRED) {
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const tip = await run([config.git, "rev-parse", `refs/heads/${config.branch}`]);
      await deployAndLog(config, tip.stdout.trim(), `deferred by ${delayMs} ms, `);
    } finally {
      await rm(join(pendingDeploysDir(configPath), String(process.pid)), { force: true });
    }
    return;
  }
  const commit = deployedCommit(await readStdin(), config.branch);
  const stamp = new Date().toISOString();
  if (commit !== undefined && delayMs > 0) {
    // Output goes to the hook's log file (not to git), so git need not wait for this child.
    const child = spawn(process.execPath, [process.argv[1] as string, configPath, DEFERRED], {
      detached: true,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.unref();
    await mkdir(pendingDeploysDir(configPath), { recursive: true });
    await writeFile(join(pendingDeploysDir(configPath), String(child.pid)), "");
    process.stdout.write(`${stamp} ${commit.slice(0, 12)} pushed; deploying the tip in ${delayMs} ms\n`);
    return;
  }
  if (commit === undefined) {
    process.stdout.write(`${stamp} nothing pushed to ${config.branch}\n`);
    return;
  }
  await deployAndLog(config, commit, "");
}

async function deployAndLog(config: DeployHookConfig, commit: string, note: string): Promise<void> {
  const stamp = new Date().toISOString();
  const started = performance.now();
  const deployed = await deploy(config, commit);
  const ms = (performance.now() - started).toFixed(0);
  process.stdout.write(
    `${stamp} ${commit.slice(0, 12)} ${note}deployed ${deployed.join(", ") || "no zone changes"} in ${ms} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${new Date().toISOString()} deploy failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
});
