#!/usr/bin/env node
/**
 * Entry point of `pnpm e2e`. Outside the namespace it installs missing tools (they need the
 * network), checks the provider is built, then runs itself again under `unshare` in a new network
 * namespace that has only loopback, so no query of the run can leave the machine. A new PID
 * namespace comes with it: if this launcher dies, unshare's --kill-child signals the inner run,
 * and when that exits the kernel ends every process left in the namespace.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killRunningCommands, run } from "@httprequest-lego-provider/run-command";
import { ACME_SH_DIR_VARIABLE, ensureAcmeSh } from "./acme-dns-clients.js";
import { HELP, type Options, parseOptions, toArgv, UsageError } from "./options.js";
import { pickPostgres } from "./postgres.js";
import { runInside } from "./run-inside.js";
import { ensureTools } from "./system-tools.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEFAULT_PROVIDER_CLI = join(REPO_ROOT, "packages", "provider", "dist", "cli.js");
const HOOK_SCRIPT = fileURLToPath(new URL("./zone-deploy-hook.js", import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function say(line: string): void {
  process.stdout.write(`[e2e] ${line}\n`);
}

async function launch(options: Options): Promise<number> {
  const tools = await ensureTools(options.install, say);
  if (options.only.includes("acme-dns")) {
    // Fetched here, outside the namespace; the scenario itself reports a checkout it cannot use.
    const acmeSh = await ensureAcmeSh(tools.git, process.env, say);
    if ("dir" in acmeSh) process.env[ACME_SH_DIR_VARIABLE] = acmeSh.dir;
    else say(`the acme-dns scenario will be skipped: ${acmeSh.problem}`);
  }
  const providerCli = options.providerCli ?? DEFAULT_PROVIDER_CLI;
  if (!existsSync(providerCli)) {
    throw new UsageError(
      `${providerCli} does not exist: build the provider first (pnpm --filter @httprequest-lego-provider/provider build)`,
    );
  }
  const postgres = await pickPostgres({ ...options, providerCli }, say);
  try {
    return await launchWith(postgres.options, providerCli, tools.unshare);
  } finally {
    await postgres.stop();
  }
}

async function launchWith(inner: Options, providerCli: string, unshare: string): Promise<number> {
  if (!inner.netns) return runInside({ options: inner, providerCli, hookScript: HOOK_SCRIPT });

  const namespaces = [
    // Without root, a user namespace maps us to root inside so we may create the others.
    ...(process.getuid?.() === 0 ? [] : ["--map-root-user"]),
    "--net",
    "--pid",
    "--fork",
    "--mount-proc",
  ];
  const probe = await run([unshare, ...namespaces, "true"], { allowFailure: true, timeoutMs: 10_000 });
  if (probe.code !== 0) {
    throw new Error(
      `cannot create a network namespace (${probe.stderr.trim() || `unshare exited with ${probe.code}`}): ` +
        "run as root, allow unprivileged user namespaces, or pass --no-netns",
    );
  }
  const unshareArgs = [
    ...namespaces,
    "--kill-child=SIGTERM",
    "--",
    process.execPath,
    SELF,
    ...toArgv({ ...inner, insideNetns: true }),
  ];
  say("entering a new network namespace (loopback only)");
  // Ctrl-C reaches the inner run directly (same process group). A SIGTERM sent to us alone is
  // passed on by ending unshare, whose --kill-child then sends SIGTERM to the inner run.
  const onTerm = () => killRunningCommands();
  process.once("SIGTERM", onTerm);
  process.on("SIGINT", () => {});
  try {
    const result = await run([unshare, ...unshareArgs], { inherit: true, allowFailure: true });
    if (result.signal === undefined) return result.code;
    return result.signal === "SIGKILL" ? 143 : 1;
  } finally {
    process.off("SIGTERM", onTerm);
  }
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`e2e: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
  if (options === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.insideNetns) {
    const providerCli = options.providerCli ?? DEFAULT_PROVIDER_CLI;
    return runInside({ options, providerCli, hookScript: HOOK_SCRIPT });
  }
  return launch(options);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`e2e: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
