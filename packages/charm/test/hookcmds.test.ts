import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifyStderr, HookToolError, runHookTool } from "../src/hookcmds/run.js";
import { HookTools } from "../src/hookcmds/tools.js";
import { FakeJuju, installHookTools } from "./doubles/juju.js";

describe("HookTools over the hook-tool executables", () => {
  const dir = mkdtempSync(join(tmpdir(), "hlp-hooktools-"));
  const juju = new FakeJuju(join(dir, "state.json"));
  const tools = new HookTools();
  const saved = { PATH: process.env.PATH, FAKE_JUJU_STATE: process.env.FAKE_JUJU_STATE };

  beforeAll(() => {
    process.env.PATH = `${installHookTools(join(dir, "bin"))}:${process.env.PATH}`;
    process.env.FAKE_JUJU_STATE = juju.statePath;
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
    process.env.FAKE_JUJU_STATE = saved.FAKE_JUJU_STATE;
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    juju.write({
      unit: "app/0",
      app: "app",
      leader: false,
      config: { "git-repo": "ssh://git@h/x.git" },
      configDefaults: { "log-level": "info" },
      relations: [
        {
          id: "db:1",
          endpoint: "db",
          remoteApp: "pg",
          remoteAppData: { endpoints: "pg:5432" },
          remoteUnits: { "pg/0": { a: "1" } },
        },
      ],
      action: { params: { username: "bob" } },
    });
  });

  it("config-get merges defaults; is-leader; action-get", async () => {
    expect(await tools.configGet()).toEqual({ "log-level": "info", "git-repo": "ssh://git@h/x.git" });
    expect(await tools.isLeader()).toBe(false);
    expect(await tools.actionGet()).toEqual({ username: "bob" });
  });

  it("relation tools read ids, units and databags", async () => {
    expect(await tools.relationIds("db")).toEqual(["db:1"]);
    expect(await tools.relationList("db:1")).toEqual(["pg/0"]);
    expect(await tools.relationGet("db:1", "pg", true)).toEqual({ endpoints: "pg:5432" });
    expect(await tools.relationGet("db:1", "pg/0")).toEqual({ a: "1" });
  });

  it("relation-set sends JSON on stdin; empty values delete; unit data needs no leadership", async () => {
    await tools.relationSet("db:1", { host: "h", gone: "x" });
    await tools.relationSet("db:1", { gone: "" });
    expect(juju.relation("db")?.localUnit).toEqual({ host: "h" });
  });

  it("errors carry argv, exit code and stderr, classified like ops does", async () => {
    const err = await tools.relationSet("db:1", { database: "app" }, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookToolError);
    expect(err).toMatchObject({
      exitCode: 1,
      kind: "permission-denied",
      stderr: "ERROR cannot write relation settings\n",
    });
    expect((err as HookToolError).argv.slice(0, 4)).toEqual(["relation-set", "-r", "db:1", "--app"]);
    await expect(tools.relationGet("db:9", "pg", true)).rejects.toMatchObject({ kind: "relation-not-found" });
    await expect(tools.secretGet("secret:nope")).rejects.toMatchObject({ kind: "secret-not-found" });
    await expect(tools.statusSet("active", "", true)).rejects.toThrow(
      /status-set failed \(exit 1\): ERROR cannot set application status/,
    );
  });

  it("status, logs, ports, version and action results land in the state", async () => {
    await tools.statusSet("blocked", "-- looks like a flag");
    await tools.jujuLog("WARNING", "careful");
    await tools.openPort(8080);
    await tools.openPort(8080);
    await tools.applicationVersionSet("1.2.3");
    await tools.actionSet({ password: "pw", "nested.key": "v" });
    await tools.actionLog("working");
    await tools.actionFail("Failed: nope");
    const state = juju.read();
    expect(state.status?.unit).toEqual({ name: "blocked", message: "-- looks like a flag" });
    expect(state.logs).toEqual([{ level: "WARNING", message: "careful" }]);
    expect(state.openedPorts).toEqual(["8080/tcp"]);
    expect(state.applicationVersion).toBe("1.2.3");
    expect(state.action).toMatchObject({
      results: { password: "pw", nested: { key: "v" } },
      logs: ["working"],
      failed: "Failed: nope",
    });
  });

  it("action-set refuses keys Juju refuses", async () => {
    await expect(tools.actionSet({ Password: "x" })).rejects.toBeInstanceOf(HookToolError);
    await expect(tools.actionSet({ stdout: "x" })).rejects.toBeInstanceOf(HookToolError);
  });

  it.each([
    [["relation-get", "--formt=json", "-r", "db:1", "-", "pg/0"], "option provided but not defined: --formt"],
    [["status-set", "--app", "active"], "option provided but not defined: --app"],
    [["juju-log", "--level", "INFO", "--", "x"], "option provided but not defined: --level"],
    [["relation-list", "--r", "db:1"], "option provided but not defined: --r"],
    [["secret-get", "--refresh=yes", "secret:1"], 'invalid value "yes" for flag --refresh'],
    [["relation-set", "--app", "-r"], "option needs an argument: -r"],
  ])("the double refuses %j as Juju's flag parser does", async (argv, message) => {
    const err = await runHookTool(argv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookToolError);
    expect(err).toMatchObject({ exitCode: 2, stderr: `ERROR ${message}\n` });
  });

  it("the double takes each flag's other documented spellings", async () => {
    expect(await runHookTool(["relation-list", "--relation", "db:1", "--format", "json"])).toBe('["pg/0"]\n');
    expect(await runHookTool(["relation-get", "-", "pg/0", "--format=json", "-r", "db:1"])).toBe(
      '{"a":"1"}\n',
    );
    await runHookTool(["juju-log", "-l", "DEBUG", "--", "quiet"]);
    expect(juju.read().logs).toEqual([{ level: "DEBUG", message: "quiet" }]);
  });

  it("a missing tool is a HookToolError naming it", async () => {
    const runner = new HookTools(async () => {
      throw new HookToolError(["nope"], undefined, "", "spawn nope ENOENT", "other");
    });
    await expect(runner.isLeader()).rejects.toThrow("nope failed (exit none): spawn nope ENOENT");
  });
});

describe("classifyStderr", () => {
  it.each([
    ["relation-get", 'ERROR invalid value "x:9" for option -r: relation not found', "relation-not-found"],
    ["secret-get", 'ERROR secret "abc" not found', "secret-not-found"],
    ["relation-set", "ERROR cannot write relation settings", "permission-denied"],
    ["status-set", "ERROR this unit is not the leader", "permission-denied"],
    ["relation-get", "ERROR permission denied", "permission-denied"],
    ["config-get", "ERROR key not found", "not-found"],
    ["juju-log", "ERROR something else", "other"],
  ])("%s: %s", (tool, stderr, kind) => {
    expect(classifyStderr(tool, stderr)).toBe(kind);
  });
});
