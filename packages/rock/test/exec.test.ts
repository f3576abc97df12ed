import { describe, expect, it } from "vitest";
import { aptDownload, pnpmDeployProd, unpackDeb } from "../src/commands.js";
import { CommandError, run } from "../src/exec.js";

describe("commands as data", () => {
  it("pins exact Debian versions and passes names after --", () => {
    expect(aptDownload([{ name: "git", version: "1:2.39.5-0+deb12u3" }], "/c/debs")).toEqual({
      file: "apt-get",
      args: ["download", "--", "git=1:2.39.5-0+deb12u3"],
      cwd: "/c/debs",
    });
  });

  it("hands paths to the unpack script as arguments, never inside the script text", () => {
    const command = unpackDeb("/c/debs/a b;rm -rf x.deb", "/root dir");
    expect(command.args.slice(-2)).toEqual(["/c/debs/a b;rm -rf x.deb", "/root dir"]);
    expect(command.args[1]).not.toContain("a b");
    expect(command.args[1]).toContain("--keep-directory-symlink");
  });

  it("deploys the provider with production dependencies only", () => {
    expect(pnpmDeployProd("/repo", "@s/provider", "/out").args).toEqual([
      "--filter",
      "@s/provider",
      "deploy",
      "--prod",
      "--legacy",
      "--prefer-offline",
      "/out",
    ]);
  });
});

describe("run", () => {
  it("returns stdout of a successful command", async () => {
    await expect(run({ file: "sh", args: ["-c", "printf ok"] })).resolves.toBe("ok");
  });

  it("fails with argv, exit code and the end of stderr", async () => {
    const failure = await run({ file: "sh", args: ["-c", "echo no such package >&2; exit 100"] }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CommandError);
    const error = failure as CommandError;
    expect(error.exitCode).toBe(100);
    expect(error.argv[0]).toBe("sh");
    expect(error.stderr).toContain("no such package");
    expect(error.message).toMatch(/exited with code 100[\s\S]*no such package/);
  });

  it("says when a program is missing", async () => {
    const failure = await run({ file: "no-such-program-here", args: [] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandError);
    expect((failure as CommandError).message).toMatch(/no-such-program-here/);
  });
});
