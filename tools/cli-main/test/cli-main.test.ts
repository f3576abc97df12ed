import { describe, expect, it } from "vitest";
import { runCli, UsageError } from "../src/index.js";

const spec = {
  name: "tool",
  help: "Usage: tool [--out DIR]\n",
  options: { out: { type: "string" }, json: { type: "boolean", default: false } },
} as const;

async function call(argv: string[], main: Parameters<typeof runCli<typeof spec.options>>[2] = async () => 0) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(spec, argv, main, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("runCli", () => {
  it("hands the parsed options to main and exits with its code", async () => {
    const seen: unknown[] = [];
    const result = await call(["--out", "d", "--json"], async (values) => {
      seen.push(values.out, values.json, values.help);
      return 3;
    });
    expect(seen).toEqual(["d", true, false]);
    expect(result.code).toBe(3);
  });

  it("prints the help for -h and --help without running main", async () => {
    for (const flag of ["-h", "--help"]) {
      const result = await call([flag], async () => {
        throw new Error("ran");
      });
      expect(result).toEqual({ code: 0, stdout: spec.help, stderr: "" });
    }
  });

  it("exits 2 with the tool's name and a pointer to --help on a usage error", async () => {
    const unknown = await call(["--nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^tool: .*--nope[\s\S]*\ntool: see --help\n$/);
    const refused = await call([], async () => {
      throw new UsageError("choose one");
    });
    expect(refused).toMatchObject({ code: 2, stderr: "tool: choose one\ntool: see --help\n" });
  });

  it("exits 1 with the message of any other error", async () => {
    const result = await call([], async () => {
      throw new TypeError("broken");
    });
    expect(result).toMatchObject({ code: 1, stderr: "tool: broken\n" });
  });
});
