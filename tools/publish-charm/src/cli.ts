#!/usr/bin/env node
/** publish-charm: uploads what `pnpm build` wrote to dist/ to Charmhub and releases it. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError } from "@httprequest-lego-provider/run-command";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DEFAULT_CHANNEL, parseChannel } from "./channel.js";
import { CharmcraftOutputError, CharmhubError, PreflightError, UsageError } from "./errors.js";
import { ManifestError } from "./manifest.js";
import { IMAGE_SOURCES, type ImageSource } from "./plan.js";
import { AUTH_ENV } from "./preflight.js";
import { publish } from "./publish.js";

/** lib/cli.js lives in tools/publish-charm/lib; the repository's dist/ is three levels up. */
const DEFAULT_DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../dist");

interface CliOptions {
  channel: string;
  distDir: string;
  imageSource: ImageSource;
  dryRun: boolean;
  json: boolean;
}

function channelOption(value: string): string {
  try {
    return parseChannel(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function buildProgram(): Command {
  return new Command("publish-charm")
    .description(
      "Upload the charm and its rock (as the app-image resource) from dist/ to Charmhub, then release the new charm revision with that resource revision to a channel. Run `pnpm build` first.",
    )
    .addOption(
      new Option("--channel <channel>", "channel to release to, [track/]risk[/branch]")
        .default(DEFAULT_CHANNEL)
        .argParser(channelOption),
    )
    .option("--dist-dir <dir>", "directory with manifest.json, the .charm and the .rock", DEFAULT_DIST_DIR)
    .addOption(
      new Option(
        "--image-source <source>",
        "how charmcraft reads the rock: archive (charmcraft 3.1+ reads the OCI archive) or docker-daemon (skopeo loads it into Docker first, for older charmcraft)",
      )
        .choices(IMAGE_SOURCES)
        .default("archive"),
    )
    .option("--dry-run", "print every command with its arguments and run none of them", false)
    .option("--json", "print the released revisions as JSON on stdout", false)
    .addHelpText(
      "after",
      `
Environment:
  ${AUTH_ENV}   Charmhub credentials from \`charmcraft login --export=<file>\` (required)

Runs, in order (every step stops the run on failure):
  charmcraft upload <dist>/<charm>.charm --format=json
  charmcraft upload-resource <charm> app-image --image=oci-archive:<dist>/<rock>.rock:<version> --format=json
  charmcraft release <charm> --revision=<N> --channel=<channel> --resource=app-image:<R>`,
    )
    .showHelpAfterError("(run publish-charm --help for usage)")
    .exitOverride();
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    // commander has already printed help or the usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = program.opts<CliOptions>();
  const result = await publish({
    distDir: options.distDir,
    channel: options.channel,
    imageSource: options.imageSource,
    dryRun: options.dryRun,
    env: process.env,
    log: (line) => process.stderr.write(`${line}\n`),
    print: (line) => process.stdout.write(`${line}\n`),
  });
  if (result && options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

function describe(error: unknown): string {
  if (error instanceof CommandError) {
    const output = [error.stderr, error.stdout]
      .filter((s) => s.trim())
      .join("\n")
      .trim();
    // The whole output, not only the end that the message quotes.
    return output ? `${error.headline}\n${output}` : error.headline;
  }
  if (
    error instanceof PreflightError ||
    error instanceof ManifestError ||
    error instanceof CharmhubError ||
    error instanceof CharmcraftOutputError ||
    error instanceof UsageError
  ) {
    return error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`publish-charm: ${describe(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
