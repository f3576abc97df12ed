/**
 * Checks .github/workflows without GitHub: YAML, the structural schema (workflow-schema.ts), and
 * what these workflows must do for this repository (actionlint is not packaged for Debian 12).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Step, type Workflow, workflowSchema } from "./workflow-schema.js";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const WORKFLOWS = join(REPO_ROOT, ".github/workflows");
const rootScripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts,
);

function load(file: string): Workflow {
  return workflowSchema.parse(
    parse(readFileSync(join(WORKFLOWS, file), "utf8"), { strict: true, uniqueKeys: true }),
  );
}

const steps = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = (workflow: Workflow): string[] => steps(workflow).flatMap((s) => (s.run ? [s.run] : []));
/** pnpm subcommands that are not root scripts. */
const PNPM_BUILTINS = new Set(["install", "exec", "run", "dlx", "--filter", "-r"]);

describe.each(readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)))("workflow %s", (file) => {
  it("parses as YAML and matches the workflow schema", () => {
    const result = workflowSchema.safeParse(
      parse(readFileSync(join(WORKFLOWS, file), "utf8"), { uniqueKeys: true }),
    );
    expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(
      [],
    );
  });

  it("runs only pnpm scripts that exist in the root package.json", () => {
    const used = runs(load(file)).flatMap((run) =>
      [...run.matchAll(/(?:^|[\s;&|(])pnpm\s+([\w:-]+)/g)].map((m) => m[1] ?? ""),
    );
    const unknown = used.filter((name) => !PNPM_BUILTINS.has(name) && !rootScripts.includes(name));
    expect(unknown).toEqual([]);
  });

  it("never interpolates event data or inputs straight into a shell (script injection)", () => {
    const risky = runs(load(file)).filter((run) =>
      /\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)/.test(run),
    );
    expect(risky).toEqual([]);
  });

  it("closes every expression it opens", () => {
    const text = readFileSync(join(WORKFLOWS, file), "utf8");
    expect(text.split("${{").length).toBe(text.split("}}").length);
  });

  it("grants the token read access to contents only, unless a job says otherwise", () => {
    expect(load(file).permissions).toEqual({ contents: "read" });
  });
});

describe("ci.yml", () => {
  const ci = () => load("ci.yml");

  it("installs from the lockfile, then lints, typechecks, tests, runs e2e and builds", () => {
    const commands = runs(ci()).join("\n");
    expect(commands).toContain("pnpm install --frozen-lockfile");
    for (const command of ["pnpm lint", "pnpm typecheck", ".ci/run", "pnpm e2e", "pnpm build"]) {
      expect(commands).toContain(command);
    }
  });

  it("keeps the built charm, rock and manifest as an artifact", () => {
    const upload = steps(ci()).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ path: "dist/", "if-no-files-found": "error" });
  });

  it("never sees the Charmhub credentials", () => {
    expect(readFileSync(join(WORKFLOWS, "ci.yml"), "utf8")).not.toContain("CHARMCRAFT_AUTH");
  });
});

describe("release.yml", () => {
  const release = () => load("release.yml");

  it("runs on version tags", () => {
    expect(release().on.push?.tags).toEqual(["v*"]);
  });

  it("runs pnpm publish-charm with CHARMCRAFT_AUTH from the repository secrets", () => {
    const publish = steps(release()).find((s) => s.run?.includes("pnpm publish-charm"));
    expect(publish?.env?.CHARMCRAFT_AUTH).toBe(`$\{{ secrets.CHARMCRAFT_AUTH }}`);
  });

  it("passes the secret to that step only", () => {
    const withSecret = steps(release()).filter((s) => JSON.stringify(s).includes("secrets."));
    expect(withSecret.map((s) => s.name)).toEqual(["Publish"]);
  });

  it("publishes only what the build job built", () => {
    const publishJob = Object.values(release().jobs).find((job) =>
      job.steps.some((s) => s.run?.includes("pnpm publish-charm")),
    );
    expect(publishJob?.needs).toBe("build");
    expect(publishJob?.steps.some((s) => s.uses?.startsWith("actions/download-artifact@"))).toBe(true);
  });
});
