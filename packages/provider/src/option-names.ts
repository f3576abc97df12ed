/**
 * `APP_OPTION_NAMES`: which charm option sets which variable, e.g.
 * `{"APP_GIT_REPO":"git-repo","APP_LOG_LEVEL":"log-level"}`. The charm passes it so that an error
 * names what the operator typed (`juju config ... git-repo=`) rather than a variable it never saw.
 * A hint, not configuration: a bad value is ignored with a warning. Pure, no I/O.
 */

/** Variable name → charm option name. */
export type OptionNames = ReadonlyMap<string, string>;

export const NO_OPTION_NAMES: OptionNames = new Map();

export interface ParsedOptionNames {
  readonly names: OptionNames;
  /** Set when the value was present but unusable (and therefore ignored). */
  readonly warning: string | undefined;
}

const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
const OPTION = /^[a-z0-9][a-z0-9-]*$/;

export function parseOptionNames(raw: string | undefined): ParsedOptionNames {
  if (raw === undefined || raw.trim() === "") return { names: NO_OPTION_NAMES, warning: undefined };
  const ignored = (why: string): ParsedOptionNames => ({
    names: NO_OPTION_NAMES,
    warning: `APP_OPTION_NAMES ignored (${why}): errors name the variables instead of charm options`,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return ignored("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return ignored('not a JSON object such as {"APP_GIT_REPO":"git-repo"}');
  const names = new Map<string, string>();
  for (const [variable, option] of Object.entries(parsed)) {
    if (!VARIABLE.test(variable) || typeof option !== "string" || !OPTION.test(option))
      return ignored(`entry "${variable.slice(0, 64)}" is not VARIABLE: "option-name"`);
    names.set(variable, option);
  }
  return { names, warning: undefined };
}

/** How an error names a variable: by its charm option when there is one. */
export function describeVariable(variable: string, names: OptionNames): string {
  const option = names.get(variable);
  return option === undefined ? variable : `charm option "${option}" (${variable})`;
}

/**
 * The variables a problem is about, as the operator can set them: when some of them are charm
 * options, only those (inside the charm the others cannot be set); otherwise all of them.
 */
export function describeVariables(variables: readonly string[], names: OptionNames): string {
  const mapped = variables.filter((v) => names.has(v));
  return (mapped.length > 0 ? mapped : variables).map((v) => describeVariable(v, names)).join(" or ");
}
