/**
 * The npm packages a `pnpm deploy` directory holds, read from its node_modules/.pnpm store: one
 * directory per package version, `<name>@<version>[_peers]` with `/` in scoped names as `+`.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface NpmPackage {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
}

/** `@scope+name@1.2.3_peer@4` -> `@scope/name`; undefined for pnpm's own entries (`node_modules`, `lock.yaml`). */
export function storeEntryName(entry: string): string | undefined {
  const at = entry.indexOf("@", 1);
  if (at <= 0) return undefined;
  return entry.slice(0, at).replace("+", "/");
}

export async function npmPackagesOf(deployDir: string): Promise<NpmPackage[]> {
  const store = join(deployDir, "node_modules/.pnpm");
  const found = new Map<string, NpmPackage>();
  for (const entry of await readdir(store)) {
    const name = storeEntryName(entry);
    if (name === undefined) continue;
    const manifest = JSON.parse(
      await readFile(join(store, entry, "node_modules", name, "package.json"), "utf8"),
    ) as {
      name?: string;
      version?: string;
      license?: unknown;
    };
    if (!manifest.name || !manifest.version) continue;
    const license = typeof manifest.license === "string" ? manifest.license : undefined;
    found.set(`${manifest.name}@${manifest.version}`, {
      name: manifest.name,
      version: manifest.version,
      ...(license ? { license } : {}),
    });
  }
  return [...found.values()].sort((a, b) => compareKey(a).localeCompare(compareKey(b)));
}

const compareKey = (p: NpmPackage): string => `${p.name}@${p.version}`;
