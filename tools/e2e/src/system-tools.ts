/**
 * The outside programs the run needs, the Debian package that ships each, and installing the
 * missing ones with apt-get (only as root; `apt-get update` only when apt knows none of them).
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { run } from "@httprequest-lego-provider/run-command";

export const TOOL_PACKAGES = {
  lego: "lego",
  pebble: "pebble",
  named: "bind9",
  rndc: "bind9-utils",
  "rndc-confgen": "bind9-utils",
  "named-checkconf": "bind9-utils",
  "named-checkzone": "bind9-utils",
  dig: "dnsutils",
  openssl: "openssl",
  git: "git",
  ip: "iproute2",
  unshare: "util-linux",
  dehydrated: "dehydrated",
  curl: "curl",
} as const satisfies Record<string, string>;

export type Tool = keyof typeof TOOL_PACKAGES;
export type ToolPaths = Readonly<Record<Tool, string>>;

/** Daemons and admin tools live in sbin, which a non-root PATH often lacks. */
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

export function findTool(name: string, pathVariable: string | undefined): string | undefined {
  const dirs = [...(pathVariable ?? "").split(delimiter).filter((d) => d !== ""), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Pure: the packages to install for the tools that are missing, in a stable order. */
export function packagesFor(missing: readonly Tool[]): string[] {
  return [...new Set(missing.map((tool) => TOOL_PACKAGES[tool]))].sort();
}

export function locateTools(pathVariable: string | undefined): {
  found: Partial<ToolPaths>;
  missing: Tool[];
} {
  const found: Partial<Record<Tool, string>> = {};
  const missing: Tool[] = [];
  for (const tool of Object.keys(TOOL_PACKAGES) as Tool[]) {
    const path = findTool(tool, pathVariable);
    if (path === undefined) missing.push(tool);
    else found[tool] = path;
  }
  return { found, missing };
}

export class MissingToolsError extends Error {
  override readonly name = "MissingToolsError";
}

export async function ensureTools(
  install: boolean,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolPaths> {
  let { found, missing } = locateTools(env.PATH);
  if (missing.length > 0) {
    const packages = packagesFor(missing);
    const command = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
    if (!install) {
      throw new MissingToolsError(`missing ${missing.join(", ")}: run "${command}" (or drop --no-install)`);
    }
    if (process.getuid?.() !== 0) {
      throw new MissingToolsError(`missing ${missing.join(", ")}: as root, run "${command}"`);
    }
    await aptInstall(packages, log, env);
    ({ found, missing } = locateTools(env.PATH));
    if (missing.length > 0) {
      throw new MissingToolsError(`still missing after apt-get install: ${missing.join(", ")}`);
    }
  }
  return found as ToolPaths;
}

async function aptInstall(packages: string[], log: (line: string) => void, env: NodeJS.ProcessEnv) {
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  // Another apt-get may be running (parallel jobs on one machine): wait for its lock, bounded.
  const lockWait = ["-o", "DPkg::Lock::Timeout=180"];
  const known = await run(["apt-cache", "show", "--no-all-versions", ...packages], {
    env: aptEnv,
    allowFailure: true,
  });
  if (known.code !== 0) {
    log("apt-get update (the package lists do not know all of the packages)");
    await run(["apt-get", ...lockWait, "update"], { env: aptEnv, timeoutMs: 300_000 });
  }
  log(`apt-get install ${packages.join(" ")}`);
  const started = performance.now();
  await run(["apt-get", ...lockWait, "install", "-y", "--no-install-recommends", ...packages], {
    env: aptEnv,
    timeoutMs: 600_000,
  });
  log(`installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
