import { build } from "esbuild";

/** Bundles the dispatcher into one ESM file that runs on Node 20+ without node_modules. */
export async function bundleDispatcher(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    legalComments: "none",
    logLevel: "warning",
    // Optional native speed-ups of `ws`; it works without them.
    external: ["bufferutil", "utf-8-validate"],
    // Bundled CommonJS dependencies (ws, yaml) still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
}
