/**
 * The bare git repository of zone files that the provider pushes to (APP_GIT_REPO=file://...),
 * seeded with the test zones, with a post-receive hook that deploys every push to bind.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "@httprequest-lego-provider/run-command";
import type { Layout } from "./layout.js";
import type { Ports } from "./ports.js";
import type { ToolPaths } from "./system-tools.js";
import type { DeployHookConfig } from "./zone-deploy-hook.js";
import { renderZone, zoneFileName } from "./zones.js";

export const BRANCH = "main";

/** git with a hermetic configuration: no user or system config of the machine leaks in. */
export function gitEnv(layout: Layout): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: layout.home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "e2e seed",
    GIT_AUTHOR_EMAIL: "seed@example.test",
    GIT_COMMITTER_NAME: "e2e seed",
    GIT_COMMITTER_EMAIL: "seed@example.test",
  };
}

/** Creates the bare repository and pushes the initial zone files to it. */
export async function createDnsRepository(tools: ToolPaths, layout: Layout, zones: readonly string[]) {
  const env = gitEnv(layout);
  await mkdir(layout.seedDir, { recursive: true });
  await run([tools.git, "init", "--quiet", "--bare", "--initial-branch", BRANCH, layout.bareRepo], { env });
  await run([tools.git, "init", "--quiet", "--initial-branch", BRANCH, layout.seedDir], { env });
  for (const zone of zones) await writeFile(join(layout.seedDir, zoneFileName(zone)), renderZone(zone));
  const inSeed = { env, cwd: layout.seedDir };
  await run([tools.git, "add", "--all"], inSeed);
  await run([tools.git, "commit", "--quiet", "-m", "Initial test zones"], inSeed);
  await run([tools.git, "push", "--quiet", layout.bareRepo, BRANCH], inSeed);
}

/** Copies the zone files of the repository's branch into bind's zone directory (before bind starts). */
export async function exportZones(tools: ToolPaths, layout: Layout, zones: readonly string[]): Promise<void> {
  await mkdir(layout.zonesDir, { recursive: true });
  for (const zone of zones) {
    const shown = await run(
      [tools.git, "--git-dir", layout.bareRepo, "show", `${BRANCH}:${zoneFileName(zone)}`],
      {
        env: gitEnv(layout),
      },
    );
    await writeFile(join(layout.zonesDir, zoneFileName(zone)), shown.stdout);
  }
}

/** The text of a zone file at the tip of the repository's branch. */
export async function zoneAtHead(tools: ToolPaths, layout: Layout, zone: string): Promise<string> {
  const shown = await run(
    [tools.git, "--git-dir", layout.bareRepo, "show", `${BRANCH}:${zoneFileName(zone)}`],
    {
      env: gitEnv(layout),
    },
  );
  return shown.stdout;
}

export async function installDeployHook(
  tools: ToolPaths,
  layout: Layout,
  ports: Ports,
  zones: readonly string[],
  hookScript: string,
): Promise<void> {
  const config: DeployHookConfig = {
    branch: BRANCH,
    zonesDir: layout.zonesDir,
    zones,
    git: tools.git,
    rndc: tools.rndc,
    rndcConf: layout.rndcConf,
    namedCheckzone: tools["named-checkzone"],
    dig: tools.dig,
    dnsPort: ports.dns,
  };
  await writeFile(layout.hookConfig, `${JSON.stringify(config, null, 2)}\n`);
  const hook = join(layout.bareRepo, "hooks", "post-receive");
  const log = join(layout.logDir, "deploy-hook.log");
  await writeFile(
    hook,
    `#!/bin/sh\n# Deploys pushed zone files to the test bind9 and reloads it.\nexec ${shellQuote(process.execPath)} ${shellQuote(hookScript)} ${shellQuote(layout.hookConfig)} >>${shellQuote(log)} 2>&1\n`,
  );
  await chmod(hook, 0o755);
}

/**
 * Makes the deploy hook play a slow DNS side: bind picks each push up `ms` later instead of
 * during the push (0: during it again). The hook reads its configuration at every push.
 */
export async function setDeployDelay(layout: Layout, ms: number): Promise<void> {
  const config = JSON.parse(await readFile(layout.hookConfig, "utf8")) as DeployHookConfig;
  await writeFile(layout.hookConfig, `${JSON.stringify({ ...config, reloadDelayMs: ms }, null, 2)}\n`);
}

/** Single-quotes a path for the generated hook script. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
