import { describe, expect, it } from "vitest";
import { parseOptions, SCENARIO_IDS, toArgv, UsageError } from "../src/options.js";

describe("parseOptions", () => {
  it("runs every scenario in a namespace with installs by default", () => {
    const options = parseOptions([]);
    expect(options).toMatchObject({ keep: false, install: true, netns: true, timeoutSeconds: 300 });
    expect(options !== "help" && options.only).toEqual(SCENARIO_IDS);
  });

  it("keeps the documented order whatever order --only lists", () => {
    const options = parseOptions(["--only", "no-grant, apex-wildcard"]);
    expect(options !== "help" && options.only).toEqual(["apex-wildcard", "no-grant"]);
  });

  it.each([
    [["--only", "apex"], /unknown scenario "apex"/],
    [["--timeout", "5"], /between 10 and 3600/],
    [["--timeout", "ten"], /whole number/],
    [["--pg-port", "0"], /port number/],
    [["--frobnicate"], /Unknown option/],
    [["stray"], /positional/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it("answers help for -h and --help", () => {
    expect(parseOptions(["-h"])).toBe("help");
    expect(parseOptions(["--keep", "--help"])).toBe("help");
  });

  it("passes the same options to the run inside the namespace", () => {
    const options = parseOptions(["--keep", "--no-install", "--only", "acme-sh", "--timeout", "60"]);
    if (options === "help") throw new Error("unexpected help");
    const again = parseOptions(toArgv({ ...options, insideNetns: true, providerCli: "/x/cli.js" }));
    expect(again).toEqual({ ...options, insideNetns: true, providerCli: "/x/cli.js" });
  });

  it("leaves the PostgreSQL server to the launcher unless a socket is named, and passes it on", () => {
    expect(parseOptions([])).toMatchObject({ pgSocketDir: undefined, pgPort: 5432 });
    const options = parseOptions(["--pg-socket-dir", "/tmp/test-pg-x", "--pg-port", "41865"]);
    if (options === "help") throw new Error("unexpected help");
    expect(parseOptions(toArgv(options))).toEqual(options);
  });
});
