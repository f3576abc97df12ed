/** Orchestrates a publish: preflight, then upload charm → upload image resource → release. */

import { CommandError, output } from "@httprequest-lego-provider/run-command";
import { parseRevision, parseStoreErrors } from "./charmcraft-json.js";
import { PreflightError } from "./errors.js";
import { readManifest } from "./manifest.js";
import { type Command, type PublishOptions, planPublish } from "./plan.js";
import { checkArtifacts, checkEnvironment } from "./preflight.js";

export interface PublishRequest extends PublishOptions {
  readonly dryRun: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Progress lines for the operator (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** The dry run's command listing (stdout in the CLI). */
  readonly print: (line: string) => void;
}

export interface PublishResult {
  readonly charmRevision: number;
  readonly resourceRevision: number;
  readonly channel: string;
}

/** Quotes an argument for display only when a shell would need it; commands never go through a shell. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

export async function publish(request: PublishRequest): Promise<PublishResult | undefined> {
  const manifest = await readManifest(request.distDir);
  const plan = planPublish(manifest, request);
  const artifactProblems = await checkArtifacts(manifest, plan);
  if (artifactProblems.length > 0) throw new PreflightError(artifactProblems);
  const environmentProblems = await checkEnvironment(request.env, request.imageSource);
  if (manifest.git.dirty) {
    request.log(
      `warning: dist/ was built from uncommitted changes on top of ${manifest.git.revision}; commit them and rebuild to publish a reproducible revision`,
    );
  }

  if (request.dryRun) {
    const steps = [
      plan.uploadCharm,
      ...(plan.loadImage ? [plan.loadImage] : []),
      plan.uploadResource,
      plan.release("<charm-revision>", "<resource-revision>"),
    ];
    request.log(
      `Dry run: publishing ${manifest.charm.name} ${manifest.version} (git ${manifest.git.revision}) would run:`,
    );
    for (const step of steps) request.print(formatArgv(step.argv));
    for (const problem of environmentProblems) request.log(`warning: a real run would stop here: ${problem}`);
    return undefined;
  }
  if (environmentProblems.length > 0) throw new PreflightError(environmentProblems);

  const total = plan.loadImage ? 4 : 3;
  let done = 0;
  const run = async (step: Command): Promise<string> => {
    done += 1;
    request.log(`[${done}/${total}] ${step.summary}: ${formatArgv(step.argv)}`);
    try {
      // stderr carries charmcraft's progress chatter: captured, and shown only on failure.
      return await output(step.argv, { env: request.env });
    } catch (error) {
      // charmcraft prints store rejections as JSON on stdout even when it exits 1.
      if (error instanceof CommandError) throw parseStoreErrors(step.summary, error.stdout) ?? error;
      throw error;
    }
  };

  const charmRevision = parseRevision("charmcraft upload", await run(plan.uploadCharm));
  request.log(`      charm revision ${charmRevision}`);
  if (plan.loadImage) await run(plan.loadImage);
  const resourceRevision = parseRevision("charmcraft upload-resource", await run(plan.uploadResource));
  request.log(`      ${manifest.charm.imageResource} revision ${resourceRevision}`);
  await run(plan.release(charmRevision, resourceRevision));
  request.log(
    `Released ${manifest.charm.name} revision ${charmRevision} (${manifest.charm.imageResource} revision ${resourceRevision}) to ${request.channel}`,
  );
  return { charmRevision, resourceRevision, channel: request.channel };
}
