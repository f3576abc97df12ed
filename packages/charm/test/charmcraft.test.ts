import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOG_LEVELS } from "@httprequest-lego-provider/provider/log-level";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PACKAGE_DIR } from "./harness.js";

/** The first Juju release that runs charms on each Ubuntu base (noble arrived fully in 3.6 LTS). */
const FIRST_JUJU_FOR_BASE: Record<string, [number, number]> = {
  "ubuntu@22.04": [3, 1],
  "ubuntu@24.04": [3, 6],
};

describe("charmcraft.yaml", () => {
  const doc = parse(readFileSync(join(PACKAGE_DIR, "charmcraft.yaml"), "utf8")) as {
    base: string;
    assumes: string[];
    config: { options: Record<string, { type: string; default?: unknown; description?: string }> };
  };

  it("assumes a Juju that knows the charm's base", () => {
    const needed = FIRST_JUJU_FOR_BASE[doc.base];
    expect(needed, `no known minimum Juju for ${doc.base}`).toBeDefined();
    const juju = doc.assumes.map((a) => /^juju >= (\d+)\.(\d+)$/.exec(a)).find((m) => m !== null);
    expect(juju, "assumes has no 'juju >= X.Y'").toBeTruthy();
    const [major, minor] = [Number(juju?.[1]), Number(juju?.[2])];
    const [needMajor, needMinor] = needed ?? [0, 0];
    expect(major > needMajor || (major === needMajor && minor >= needMinor)).toBe(true);
    expect(doc.assumes).toContain("k8s-api");
  });

  it("log-level's description lists exactly the levels the service accepts", () => {
    const description = doc.config.options["log-level"]?.description ?? "";
    for (const level of LOG_LEVELS) expect(description).toMatch(new RegExp(`\\b${level}\\b`));
    expect(description).not.toMatch(/\bverbose\b/);
  });

  it("audit-retention-days is an int defaulting to the service's own default", () => {
    expect(doc.config.options["audit-retention-days"]).toMatchObject({ type: "int", default: 90 });
  });

  it("offers the ssh key as a Juju user secret beside the plain option", () => {
    expect(doc.config.options["git-ssh-key-secret"]?.type).toBe("secret");
    expect(doc.config.options["git-ssh-key"]?.type).toBe("string");
  });
});
