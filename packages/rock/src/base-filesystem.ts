/** Layer 1: the base root filesystem, unpacked from Debian packages and cached by their exact versions. */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BuildCache } from "./cache.js";
import { aptCacheShow, aptDownload, debControl, unpackDeb } from "./commands.js";
import { BASE_DROPS, BASE_ROOTS, isPrunedBasePath } from "./debian/base-packages.js";
import { resolveClosure, type SelectedPackage } from "./debian/closure.js";
import { parseStanzas, type Stanza } from "./debian/control.js";
import {
  type DebianPackage,
  DPKG_STATUS_DIR,
  packageFromControl,
  statusParagraph,
} from "./debian/dpkg-status.js";
import { run } from "./exec.js";
import {
  buildLayerEntries,
  dirEntry,
  fileEntry,
  type LayerEntry,
  ROOT,
  symlinkEntry,
} from "./layer/entries.js";
import { walkTree } from "./layer/walk.js";
import type { LayerBlob } from "./layer/write-layer.js";

/** Bump when the way the base is assembled changes, so old cache entries are not reused. */
const BASE_FORMAT = 5;

export interface BaseRecord {
  readonly blob: LayerBlob;
  readonly packages: readonly SelectedPackage[];
  /** The packages as their status.d files in the layer describe them (with source packages). */
  readonly debian: readonly DebianPackage[];
  /** `debian-<VERSION_ID>` from the unpacked /usr/lib/os-release. */
  readonly distro: string;
  /** /etc/passwd and /etc/group of the base, which the top layer extends with the run user. */
  readonly passwd: string;
  readonly group: string;
}

/** Where apt keeps the package indexes that `apt-get update` refreshes. */
const APT_LISTS = "/var/lib/apt/lists";

/** Identifies the state of the apt indexes (names, sizes, mtimes) so a resolution can be reused. */
async function aptListsFingerprint(): Promise<string> {
  const names = (await readdir(APT_LISTS).catch(() => [] as string[]))
    .filter((n) => n.includes("_Packages"))
    .sort();
  const parts: string[] = [];
  for (const name of names) {
    const info = await stat(join(APT_LISTS, name));
    parts.push(`${name}:${info.size}:${info.mtimeMs}`);
  }
  return parts.join("\n");
}

/**
 * The base package list, reused from the cache while the apt indexes, roots and drops are unchanged
 * (apt-cache takes seconds per round).
 */
export async function resolveBasePackagesCached(
  cache: BuildCache,
): Promise<{ packages: readonly SelectedPackage[]; cached: boolean }> {
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        roots: [...BASE_ROOTS.keys()],
        drops: [...BASE_DROPS.keys()],
        lists: await aptListsFingerprint(),
      }),
    )
    .digest("hex")
    .slice(0, 32);
  const path = join(cache.subdir("resolutions"), `${key}.json`);
  const hit = await readFile(path, "utf8").then(
    (text) => JSON.parse(text) as SelectedPackage[],
    () => undefined,
  );
  if (hit) return { packages: hit, cached: true };
  const packages = await resolveBasePackages();
  await mkdir(cache.subdir("resolutions"), { recursive: true });
  await writeFile(path, `${JSON.stringify(packages, null, 2)}\n`);
  return { packages, cached: false };
}

/** Asks apt-cache for stanzas, a batch per round, until the closure is complete. */
export async function resolveBasePackages(): Promise<readonly SelectedPackage[]> {
  const known = new Map<string, Stanza>();
  const unknown = new Set<string>();
  for (let round = 0; round < 50; round++) {
    const result = resolveClosure({ roots: [...BASE_ROOTS.keys()], drop: BASE_DROPS, known }, unknown);
    if (result.complete) return result.packages;
    // apt-cache prints nothing (and succeeds) for purely virtual names; those become "unknown".
    const stanzas = parseStanzas(await run(aptCacheShow(result.missing)));
    for (const stanza of stanzas) if (stanza.Package) known.set(stanza.Package, stanza);
    for (const name of result.missing) if (!known.has(name)) unknown.add(name);
  }
  throw new Error("Debian dependency resolution did not converge after 50 rounds");
}

export function baseCacheKey(packages: readonly SelectedPackage[]): string {
  const input = JSON.stringify({
    format: BASE_FORMAT,
    packages: packages.map((p) => `${p.name}=${p.version}:${p.architecture}`),
    drops: [...BASE_DROPS.keys()],
  });
  return createHash("sha256").update(input).digest("hex").slice(0, 32);
}

/** The usual merged-/usr root: Debian 12 packages still ship files under /bin and /lib. */
const MERGED_USR_LINKS: readonly [string, string][] = [
  ["bin", "usr/bin"],
  ["lib", "usr/lib"],
  ["lib64", "usr/lib64"],
  ["sbin", "usr/sbin"],
];

/** Strips setuid/setgid bits (ssh-keysign): the service never needs to gain privileges. */
function baseMode(_path: string, mode: number): number {
  return mode & ~0o6000;
}

/** `debian-12` from os-release's ID and VERSION_ID (the purl `distro` qualifier scanners use). */
export function osReleaseDistro(text: string): string {
  const field = (key: string): string | undefined =>
    new RegExp(`^${key}="?([^"\n]*)"?$`, "m").exec(text)?.[1];
  const id = field("ID");
  const version = field("VERSION_ID");
  if (!id || !version)
    throw new Error("usr/lib/os-release of the base has no ID or VERSION_ID (is base-files in the closure?)");
  return `${id}-${version}`;
}

async function caBundle(root: string): Promise<string> {
  const dir = join(root, "usr/share/ca-certificates/mozilla");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".crt")).sort();
  const parts: string[] = [];
  for (const name of names) {
    const pem = await readFile(join(dir, name), "utf8");
    parts.push(pem.endsWith("\n") ? pem : `${pem}\n`);
  }
  return parts.join("");
}

/** Files a package's maintainer scripts would have generated, written directly. */
function generatedFiles(passwd: string, group: string, bundle: string): LayerEntry[] {
  return [
    fileEntry("etc/passwd", passwd),
    fileEntry("etc/group", group),
    fileEntry("etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"),
    fileEntry("etc/ssl/certs/ca-certificates.crt", bundle),
    dirEntry("tmp", 0o1777),
    // Mount points a container runtime fills.
    dirEntry("dev"),
    dirEntry("proc"),
    dirEntry("sys"),
    dirEntry("run"),
    dirEntry("root", 0o700),
    dirEntry("etc/ssl/certs", 0o755),
    ...MERGED_USR_LINKS.map(([link, target]) => symlinkEntry(link, target)),
    ...MERGED_USR_LINKS.map(([, target]) => dirEntry(target)),
  ];
}

export async function buildBaseLayer(
  cache: BuildCache,
  packages: readonly SelectedPackage[],
): Promise<{ record: BaseRecord; cached: boolean }> {
  const key = baseCacheKey(packages);
  const hit = await cache.getRecord<BaseRecord>("base", key);
  if (hit) return { record: hit, cached: true };

  const debDir = cache.subdir("debs");
  await mkdir(debDir, { recursive: true });
  const present = new Set(await readdir(debDir));
  const debName = (p: SelectedPackage): string =>
    `${p.name}_${p.version.replace(/:/g, "%3a")}_${p.architecture}.deb`;
  const toFetch = packages.filter((p) => !present.has(debName(p)));
  if (toFetch.length > 0) await run(aptDownload(toFetch, debDir));

  const root = await mkdtemp(join(cache.dir, "base-root-"));
  try {
    for (const [link, target] of MERGED_USR_LINKS) {
      await mkdir(join(root, target), { recursive: true });
      await run({ file: "ln", args: ["-s", target, join(root, link)] });
    }
    const statusFiles: LayerEntry[] = [];
    const debian: DebianPackage[] = [];
    for (const p of packages) {
      const deb = join(debDir, debName(p));
      await stat(deb).catch(() => {
        throw new Error(`apt-get download did not produce ${deb}; check the apt sources (apt-get update)`);
      });
      await run(unpackDeb(deb, root));
      const control = await run(debControl(deb));
      statusFiles.push(fileEntry(`${DPKG_STATUS_DIR}/${p.name}`, statusParagraph(control)));
      debian.push(packageFromControl(control));
    }
    const distro = osReleaseDistro(await readFile(join(root, "usr/lib/os-release"), "utf8"));
    const passwd = await readFile(join(root, "usr/share/base-passwd/passwd.master"), "utf8");
    const group = await readFile(join(root, "usr/share/base-passwd/group.master"), "utf8");
    const entries = buildLayerEntries(
      [
        {
          nodes: await walkTree(root, { dedupeMinBytes: 64 * 1024 }),
          prefix: "",
          owner: () => ROOT,
          exclude: isPrunedBasePath,
          mode: baseMode,
        },
      ],
      [...generatedFiles(passwd, group, await caBundle(root)), ...statusFiles],
    );
    const blob = await cache.writeLayer(entries);
    const record: BaseRecord = { blob, packages, debian, distro, passwd, group };
    await cache.putRecord("base", key, record);
    return { record, cached: false };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
