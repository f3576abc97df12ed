/** Real git repositories in temp directories for the store tests. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";

const exec = promisify(execFile);

export const silentLogger = pino({ level: "silent" });

/** No user or system config, a fixed identity, C locale: what every fixture git runs with. */
export const FIXTURE_GIT_SETTINGS: Readonly<Record<string, string>> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "fixture",
  GIT_AUTHOR_EMAIL: "fixture@localhost",
  GIT_COMMITTER_NAME: "fixture",
  GIT_COMMITTER_EMAIL: "fixture@localhost",
  LC_ALL: "C",
};

const GIT_ENV = { ...process.env, ...FIXTURE_GIT_SETTINGS };

export async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await exec("git", args, { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export function zoneText(zone: string, serial = "2024010100"): string {
  return [
    "$TTL 3600",
    `@\tIN\tSOA\tns1.${zone}. hostmaster.${zone}. (`,
    `\t\t${serial} ; serial`,
    "\t\t3600 600 604800 600 )",
    `\tIN\tNS\tns1.${zone}.`,
    "ns1\tIN\tA\t192.0.2.1",
    "",
  ].join("\n");
}

/** A fresh directory: `prefix` is a name prefix under the system temp dir, or under `parent`. */
export async function makeTempDir(prefix: string, parent: string = tmpdir()): Promise<string> {
  return mkdtemp(join(parent, prefix));
}

/** A bare repository on branch main holding `<zone>.domain` for each zone. Returns its path. */
export async function makeBareRepo(
  parent: string,
  zones: readonly string[],
  name = "remote.git",
  objectFormat: "sha1" | "sha256" = "sha1",
): Promise<string> {
  const work = join(parent, `${name}.work`);
  await mkdir(work, { recursive: true });
  await git(["init", "--quiet", `--object-format=${objectFormat}`, "--initial-branch", "main"], work);
  for (const zone of zones) await writeFile(join(work, `${zone}.domain`), zoneText(zone));
  await writeFile(join(work, "README.md"), "DNS zones\n");
  await git(["add", "."], work);
  await git(["commit", "--quiet", "-m", "zones"], work);
  const bare = join(parent, name);
  await git(["clone", "--quiet", "--bare", work, bare]);
  await rm(work, { recursive: true, force: true });
  return bare;
}

export async function remoteFile(bare: string, file: string, branch = "main"): Promise<string> {
  return git(["--git-dir", bare, "show", `${branch}:${file}`]);
}

export async function remoteCommitCount(bare: string, branch = "main"): Promise<number> {
  return Number((await git(["--git-dir", bare, "rev-list", "--count", branch])).trim());
}

/** Pushes a commit to the remote from a separate clone, as another writer would. */
export async function pushExternalChange(
  bare: string,
  file: string,
  append: string,
  scratch: string,
): Promise<void> {
  const dir = await mkdtemp(join(scratch, "ext-"));
  await git(["clone", "--quiet", `file://${bare}`, dir]);
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(join(dir, file), "utf8");
  await writeFile(join(dir, file), text + append);
  await git(["commit", "--quiet", "-am", "external change"], dir);
  await git(["push", "--quiet", "origin", "HEAD:main"], dir);
  await rm(dir, { recursive: true, force: true });
}

/** Runs bind's zone parser; resolves with its canonical dump or rejects with its complaint. */
export async function namedCheckzone(zone: string, file: string): Promise<string> {
  const { stdout } = await exec("named-checkzone", ["-q", "-D", "-o", "-", zone, file]);
  return stdout;
}

/** Entries named like zone files that are not usable ones, for `pushZoneEntries`. */
export interface ZoneEntries {
  /** name → absolute target of a symbolic link */
  readonly links?: Readonly<Record<string, string>>;
  readonly directories?: readonly string[];
  readonly submodules?: readonly string[];
  /** name → content of a regular file */
  readonly files?: Readonly<Record<string, string>>;
}

/** Pushes `entries` to the remote's main branch from a separate clone, as an operator (or attacker) would. */
export async function pushZoneEntries(bare: string, entries: ZoneEntries, scratch: string): Promise<void> {
  const { symlink } = await import("node:fs/promises");
  const dir = await mkdtemp(join(scratch, "entries-"));
  await git(["clone", "--quiet", `file://${bare}`, dir]);
  for (const [name, target] of Object.entries(entries.links ?? {})) await symlink(target, join(dir, name));
  for (const name of entries.directories ?? []) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, "x"), "x\n");
  }
  for (const [name, text] of Object.entries(entries.files ?? {})) await writeFile(join(dir, name), text);
  await git(["add", "."], dir);
  const head = (await git(["rev-parse", "HEAD"], dir)).trim();
  for (const name of entries.submodules ?? [])
    await git(["update-index", "--add", "--cacheinfo", `160000,${head},${name}`], dir);
  await git(["commit", "--quiet", "-m", "zone entries"], dir);
  await git(["push", "--quiet", "origin", "HEAD:main"], dir);
  await rm(dir, { recursive: true, force: true });
}
