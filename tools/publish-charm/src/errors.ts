/** Errors publish-charm reports to the operator: each says what went wrong and what to do. */

/** Something is missing or wrong before anything was uploaded; `fix` says what to do. */
export class PreflightError extends Error {
  override readonly name = "PreflightError";
  constructor(readonly problems: readonly string[]) {
    super(`nothing was uploaded:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** charmcraft answered, but not with the JSON its documentation promises. */
export class CharmcraftOutputError extends Error {
  override readonly name = "CharmcraftOutputError";
}

/** charmcraft reported store errors (`{"errors": [{code, message}]}`). */
export class CharmhubError extends Error {
  override readonly name = "CharmhubError";
  constructor(
    readonly step: string,
    readonly errors: readonly { code: string; message: string }[],
  ) {
    super(`${step} failed: ${errors.map((e) => `${e.code}: ${e.message}`).join("; ")}`);
  }
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}
