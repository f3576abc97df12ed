import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem, loadConfig } from "../../src/config.js";
import { parseOptionNames } from "../../src/option-names.js";

describe("APP_OPTION_NAMES: errors name what the operator set", () => {
  const names = parseOptionNames('{"APP_GIT_REPO":"git-repo","APP_GIT_SSH_KEY_FILE":"git-ssh-key"}').names;

  it("names a charm option with its variable, and leaves other variables as they are", () => {
    expect(formatProblem({ variables: ["APP_GIT_REPO"], message: "is empty" }, names)).toBe(
      'charm option "git-repo" (APP_GIT_REPO): is empty',
    );
    expect(formatProblem({ variables: ["APP_PORT"], message: "bad" }, names)).toBe("APP_PORT: bad");
  });

  it("of several variables that would fix a problem, names only those the charm sets", () => {
    const problem = {
      variables: ["APP_GIT_SSH_KEY", "APP_GIT_SSH_KEY_FILE"],
      message: "needed for APP_GIT_REPO",
    };
    expect(formatProblem(problem, names)).toBe(
      'charm option "git-ssh-key" (APP_GIT_SSH_KEY_FILE): needed for charm option "git-repo" (APP_GIT_REPO)',
    );
    expect(formatProblem(problem, new Map())).toBe(
      "APP_GIT_SSH_KEY or APP_GIT_SSH_KEY_FILE: needed for APP_GIT_REPO",
    );
  });

  it.each([
    ["{", "not JSON"],
    ["[]", "not a JSON object"],
    ['{"app_git_repo":"git-repo"}', 'entry "app_git_repo"'],
    ['{"APP_GIT_REPO":"Git Repo"}', 'entry "APP_GIT_REPO"'],
  ])("ignores %j with a warning that says why", (raw, why) => {
    const parsed = parseOptionNames(raw);
    expect(parsed.names.size).toBe(0);
    expect(parsed.warning).toContain(why);
  });

  it("unset or empty is no hint and no warning", () => {
    expect(parseOptionNames(undefined)).toEqual({ names: new Map(), warning: undefined });
    expect(parseOptionNames(" ")).toEqual({ names: new Map(), warning: undefined });
  });

  it("loadConfig uses the hint from the environment it is given", () => {
    expect(() =>
      loadConfig({ APP_OPTION_NAMES: '{"APP_LOG_LEVEL":"log-level"}', APP_LOG_LEVEL: "x" }),
    ).toThrow(/charm option "log-level" \(APP_LOG_LEVEL\): must be one of/);
    expect(() => loadConfig({ APP_LOG_LEVEL: "x" })).toThrow(ConfigError);
  });
});
