#!/usr/bin/env node
/** build-rock: builds dist/httprequest-lego-provider_<version>_amd64.rock. */
import { cliMain, UsageError } from "@httprequest-lego-provider/cli-main";
import { onPath } from "./exec.js";
import { readInputs } from "./inputs.js";
import { buildNative } from "./native-build.js";
import { type BuildMode, stepsFor } from "./plan.js";
import { consoleProgress, formatBytes } from "./progress.js";
import { buildWithRockcraft } from "./rockcraft-build.js";

const HELP = `Usage: node packages/rock/lib/main.js [options]

Builds the provider's OCI image ("rock") as packages/rock/dist/httprequest-lego-provider_<version>_amd64.rock.
Build the provider first (pnpm build does both, in order).

Options:
  --native            assemble the image from Debian packages and npm (default)
  --rockcraft         generate rockcraft.yaml and run \`rockcraft pack\` instead
  --out-dir DIR       where the .rock goes (default: packages/rock/dist)
  --cache-dir DIR     layer/package cache (default: packages/rock/.cache, or $ROCK_CACHE_DIR)
  --node-version V    Node runtime version, must be 24.x.y (default: pinned in src/rock-spec.ts)
  --json              print the result as JSON on stdout
  -h, --help          show this help

Environment:
  SOURCE_DATE_EPOCH   image creation time (default: last commit touching the provider, the rock or the lockfile)

The native build needs apt-get (Debian 12 sources), dpkg-deb, GNU tar, strip, npm and pnpm.
The same inputs always give the same digests.
`;

const OPTIONS = {
  native: { type: "boolean", default: false },
  rockcraft: { type: "boolean", default: false },
  "out-dir": { type: "string" },
  "cache-dir": { type: "string" },
  "node-version": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

cliMain({ name: "build-rock", help: HELP, options: OPTIONS }, async (values) => {
  if (values.native && values.rockcraft) throw new UsageError("choose one of --native and --rockcraft");
  const mode: BuildMode = values.rockcraft ? "rockcraft" : "native";
  if (mode === "rockcraft" && !(await onPath("rockcraft"))) {
    throw new UsageError("--rockcraft needs rockcraft on PATH (snap install rockcraft --classic)");
  }
  const inputs = await readInputs({
    outDir: values["out-dir"],
    cacheDir: values["cache-dir"],
    nodeVersion: values["node-version"],
  });
  const progress = consoleProgress(stepsFor(mode).length);
  process.stderr.write(`Building ${inputs.version} (${mode}), created ${inputs.created}\n`);
  const started = performance.now();
  const result =
    mode === "native" ? await buildNative(inputs, progress) : await buildWithRockcraft(inputs, progress);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...result, seconds: Number(seconds) }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `rock:     ${result.path}`,
    `size:     ${formatBytes(result.size)} (${result.size} bytes)`,
    `manifest: ${result.manifestDigest}`,
    `archive:  ${result.archiveDigest}`,
    ...(result.contents
      ? [
          `contents: ${result.contents.path} (${result.contents.data.debian.length} Debian packages, node ${result.contents.data.node.version}, ${result.contents.data.app.npm.length} npm packages)`,
        ]
      : []),
    ...result.layers.map(
      (l) =>
        `layer ${l.name.padEnd(5)} ${formatBytes(l.compressedBytes).padStart(9)} gz, ${formatBytes(l.uncompressedBytes).padStart(9)} tar${l.cached ? " (cached)" : ""}  ${l.digest}`,
    ),
    ...(result.largestPackages.length > 0
      ? [
          `largest base packages (installed size): ${result.largestPackages
            .map((p) => `${p.name} ${(p.installedKiB / 1024).toFixed(1)} MiB`)
            .join(", ")}`,
        ]
      : []),
    `built in ${seconds} s`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
});
