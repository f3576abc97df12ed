/**
 * Parsers for charmcraft's `--format=json` output. `upload` and `upload-resource` print
 * `{"revision": N}` on success and `{"errors": [{"code", "message"}]}` with exit code 1 on a store
 * rejection (canonical/charmcraft charmcraft/application/commands/store.py).
 */
import { z } from "zod";
import { CharmcraftOutputError, CharmhubError } from "./errors.js";

const revisionOutput = z.object({ revision: z.number().int().positive() });
const errorsOutput = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string() })).min(1),
});

function parseJson(step: string, stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new CharmcraftOutputError(
      `${step}: expected JSON from charmcraft --format=json, got ${JSON.stringify(stdout.slice(0, 200))}; is charmcraft 3.1 or newer installed?`,
    );
  }
}

/** The revision from a successful upload/upload-resource. */
export function parseRevision(step: string, stdout: string): number {
  const data = parseJson(step, stdout);
  const ok = revisionOutput.safeParse(data);
  if (ok.success) return ok.data.revision;
  const failed = errorsOutput.safeParse(data);
  if (failed.success) throw new CharmhubError(step, failed.data.errors);
  throw new CharmcraftOutputError(
    `${step}: charmcraft printed JSON without a revision: ${stdout.slice(0, 200)}`,
  );
}

/** Store errors from the output of a command that exited non-zero, when it printed them as JSON. */
export function parseStoreErrors(step: string, stdout: string): CharmhubError | undefined {
  try {
    const failed = errorsOutput.safeParse(JSON.parse(stdout));
    return failed.success ? new CharmhubError(step, failed.data.errors) : undefined;
  } catch {
    return undefined;
  }
}
