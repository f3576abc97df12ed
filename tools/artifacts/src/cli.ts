#!/usr/bin/env node
/** collect-dist: gathers the charm and the rock into the repository's dist/ with manifest.json. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cliMain } from "@httprequest-lego-provider/cli-main";
import { collect } from "./collect.js";
import { gitRevision } from "./git-revision.js";
import { readSources } from "./sources.js";

/** lib/cli.js lives in tools/artifacts/lib; the repository root is three levels up. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const HELP = `Usage: node tools/artifacts/lib/cli.js [--repo-root DIR] [--out-dir DIR] [--json]

Copies packages/charm/dist/httprequest-lego-provider_amd64.charm and
packages/rock/dist/httprequest-lego-provider_<version>_amd64.rock into dist/ and writes
dist/manifest.json (file names, sizes, sha256, the rock's OCI digests, versions, git revision).
\`pnpm build\` runs it last; run the charm and rock builds first when calling it directly.

  --repo-root DIR  repository to collect from (default: ${REPO_ROOT})
  --out-dir DIR    where to write (default: <repo-root>/dist; emptied first)
  --json           print the manifest on stdout
  -h, --help       this text

Environment:
  GIT_REVISION     <sha>[-dirty] to record (pnpm build sets it); otherwise git is asked
`;

const OPTIONS = {
  "repo-root": { type: "string" },
  "out-dir": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

cliMain({ name: "collect-dist", help: HELP, options: OPTIONS }, async (values) => {
  const repoRoot = resolve(values["repo-root"] ?? REPO_ROOT);
  const outDir = resolve(values["out-dir"] ?? resolve(repoRoot, "dist"));
  const log = (line: string): void => {
    process.stderr.write(`collect-dist: ${line}\n`);
  };
  const sources = await readSources(repoRoot);
  const manifest = await collect(sources, await gitRevision(repoRoot, process.env), outDir, log);
  if (values.json) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  log(
    `${manifest.charm.file} (${manifest.charm.size} bytes), ${manifest.rock.file} (${manifest.rock.size} bytes, ${manifest.rock.ociManifestDigest}), git ${manifest.git.revision}${manifest.git.dirty ? " (dirty)" : ""}`,
  );
  return 0;
});
