import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandError, displayArgv, onPath, output, run, start, stopAllDaemons } from "../src/index.js";

async function failure(promise: Promise<unknown>): Promise<CommandError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommandError);
  return error as CommandError;
}

describe("run", () => {
  it("resolves with both streams and the exit code", async () => {
    const result = await run(["sh", "-c", "printf out; printf err >&2"]);
    expect(result).toMatchObject({
      argv: ["sh", "-c", "printf out; printf err >&2"],
      code: 0,
      stdout: "out",
    });
    expect(result.stderr).toBe("err");
    expect(await output(["printf", "a\n"])).toBe("a\n");
  });

  it("passes input and the given environment only", async () => {
    const stdout = await output(["sh", "-c", 'cat; printf "%s" "$ONLY"; printf "%s" "$HOME"'], {
      input: "in:",
      env: { PATH: process.env.PATH, ONLY: "x" },
    });
    expect(stdout).toBe("in:x"); // no HOME: nothing of ours is added
  });

  it("streams input as it is produced", async () => {
    async function* lines(): AsyncGenerator<string> {
      for (let i = 0; i < 3; i++) yield `${i}\n`;
    }
    expect(await output(["wc", "-l"], { input: lines() })).toMatch(/^\s*3\n$/);
  });

  it("names the command, its exit code and the end of stderr", async () => {
    const error = await failure(run(["sh", "-c", "echo no such package >&2; exit 100"]));
    expect(error.exitCode).toBe(100);
    expect(error.argv[0]).toBe("sh");
    expect(error.stderr).toContain("no such package");
    expect(error.headline).toBe("`sh -c echo no such package >&2; exit 100` exited with code 100");
    expect(error.message).toMatch(/exited with code 100:\nno such package$/);
  });

  it("quotes stdout when stderr is empty, and only its last lines", async () => {
    const error = await failure(run(["sh", "-c", "seq 1 40; exit 3"]));
    expect(error.message.split("\n").slice(1)).toEqual(Array.from({ length: 15 }, (_, i) => String(26 + i)));
  });

  it("resolves a failure with allowFailure, a signal as 128 + its number", async () => {
    expect((await run(["sh", "-c", "exit 7"], { allowFailure: true })).code).toBe(7);
    expect((await run(["sh", "-c", "kill -TERM $$"], { allowFailure: true })).code).toBe(143);
    const killed = await failure(run(["sh", "-c", "kill -TERM $$"]));
    expect(killed.headline).toMatch(/was killed by SIGTERM$/);
  });

  it("says a command timed out", async () => {
    const error = await failure(run(["sleep", "5"], { timeoutMs: 100 }));
    expect(error.timedOut).toBe(true);
    expect(error.headline).toBe("`sleep 5` timed out after 100 ms");
  });

  it("says a program could not be started, even with allowFailure", async () => {
    const error = await failure(run(["no-such-program-here"], { allowFailure: true }));
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toMatch(/^`no-such-program-here` could not be started \(.*ENOENT/);
  });

  it("hides passwords in messages", () => {
    expect(displayArgv(["tool", "--password", "s3cret", "x"])).toBe("tool --password *** x");
  });

  it("finds programs on PATH", async () => {
    expect(await onPath("sh")).toBe(true);
    expect(await onPath("no-such-program-here")).toBe(false);
  });
});

describe("start", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await stopAllDaemons();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("logs both streams to a file and stops the daemon by pid", async () => {
    const dir = await mkdtemp(join(tmpdir(), "run-command-"));
    dirs.push(dir);
    const logFile = join(dir, "daemon.log");
    const daemon = start("sleeper", ["sh", "-c", "echo up; echo warn >&2; exec sleep 30"], { logFile });
    expect(daemon.pid).toBeGreaterThan(0);
    for (let i = 0; i < 100 && !(await readFile(logFile, "utf8")).includes("warn"); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await readFile(logFile, "utf8")).toBe("up\nwarn\n");
    expect(daemon.hasExited()).toBe(false);
    expect(await daemon.stop()).toBe(143);
    expect(daemon.hasExited()).toBe(true);
  });

  it("refuses a program that is not installed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "run-command-"));
    dirs.push(dir);
    expect(() => start("ghost", ["no-such-program-here"], { logFile: join(dir, "ghost.log") })).toThrow(
      /could not start ghost .*is no-such-program-here installed/,
    );
  });
});
