import { mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PebbleClient } from "../src/pebble/client.js";
import {
  ExecError,
  PebbleAPIError,
  PebbleChangeError,
  PebbleConnectionError,
  PebblePathError,
  PebbleProtocolError,
  PebbleTimeoutError,
} from "../src/pebble/errors.js";
import { buildMultipart, parseMultipart } from "../src/pebble/multipart.js";
import { FakePebble } from "./doubles/pebble.js";

describe("PebbleClient against the Pebble double on a unix socket", () => {
  const dir = mkdtempSync(join(tmpdir(), "hlp-pebble-"));
  const socket = join(dir, "pebble.socket");
  const pebble = new FakePebble(socket, join(dir, "root"), (req) => {
    if (req.command[1] === "echo-env") return { stdout: `${req.environment.GREETING ?? ""}\n` };
    if (req.command[1] === "cat") return { stdout: req.stdin };
    if (req.command[1] === "fail") return { stdout: "partial\n", stderr: "Error: boom\n", exitCode: 3 };
    if (req.command[1] === "big") return { stdout: "x".repeat(1 << 20) };
    return { exitCode: 0 };
  });
  const client = new PebbleClient(socket, 5_000);

  beforeAll(async () => {
    await pebble.start();
  });
  afterAll(async () => {
    await pebble.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("system-info answers when Pebble is up", async () => {
    expect((await client.systemInfo()).version).toMatch(/^1\./);
  });

  it("a missing socket is a connection error naming the path", async () => {
    const absent = new PebbleClient(join(dir, "nope.socket"));
    await expect(absent.systemInfo()).rejects.toBeInstanceOf(PebbleConnectionError);
    await expect(absent.systemInfo()).rejects.toThrow(join(dir, "nope.socket"));
  });

  it("add layer (combine), plan back as YAML, replan starts the service and waits", async () => {
    await client.addLayer(
      "base",
      {
        services: {
          web: { override: "replace", command: "/bin/web", startup: "enabled", environment: { A: "1" } },
        },
      },
      false,
    );
    await expect(client.addLayer("base", { services: {} }, false)).rejects.toMatchObject({ statusCode: 400 });
    await client.addLayer(
      "base",
      { services: { web: { override: "merge", environment: { B: "2" } } } },
      true,
    );
    const plan = await client.getPlan();
    expect(plan.services?.web?.environment).toEqual({ A: "1", B: "2" });
    const change = await client.replan();
    expect(change).toMatchObject({ ready: true, kind: "replan" });
    expect(await client.getServices(["web"])).toEqual([
      { name: "web", startup: "enabled", current: "active" },
    ]);
    await client.stop(["web"]);
    expect((await client.getServices(["web"]))[0]?.current).toBe("inactive");
    await client.restart(["web"]);
    expect((await client.getServices())[0]?.current).toBe("active");
  });

  it("a layer without override is refused with Pebble's message", async () => {
    await expect(client.addLayer("bad", { services: { x: { command: "y" } as never } })).rejects.toThrow(
      /must define "override"/,
    );
  });

  it("a service that fails to start is a change error", async () => {
    pebble.failingServices.add("web");
    await expect(client.restart(["web"])).rejects.toBeInstanceOf(PebbleChangeError);
    pebble.failingServices.delete("web");
  });

  it("push writes content, permissions and owner; pull reads it back; missing is not-found", async () => {
    await client.push("/etc/app/secret", "s3cret\n", { permissions: 0o600, userId: 584792, groupId: 584792 });
    expect(statSync(pebble.hostPath("/etc/app/secret")).mode & 0o777).toBe(0o600);
    expect(pebble.fileMeta.get("/etc/app/secret")).toEqual({
      permissions: 0o600,
      userId: 584792,
      groupId: 584792,
    });
    expect((await client.pull("/etc/app/secret")).toString()).toBe("s3cret\n");
    const binary = Buffer.from([0, 255, 13, 10, 45, 45, 13, 10]);
    await client.push("/bin.dat", binary);
    expect(Buffer.compare(await client.pull("/bin.dat"), binary)).toBe(0);
    await expect(client.pull("/nope")).rejects.toMatchObject({ kind: "not-found", path: "/nope" });
    await expect(client.pull("/nope")).rejects.toBeInstanceOf(PebblePathError);
    expect(await client.pullIfExists("/nope")).toBeUndefined();
  });

  it("make-dirs, list and remove", async () => {
    await client.makeDir("/data/ssh", { permissions: 0o700, userId: 584792, groupId: 584792 });
    const [info] = await client.listFiles("/data/ssh", true);
    expect(info).toMatchObject({ type: "directory", permissions: "700", "user-id": 584792 });
    await client.removePath("/data", true);
    await expect(client.listFiles("/data")).rejects.toBeInstanceOf(PebbleAPIError);
    await expect(client.removePath("/data")).rejects.toMatchObject({ kind: "not-found" });
  });

  it("exec: environment, stdin, large output and the exit code through websockets", async () => {
    expect(await client.exec(["/bin/x", "echo-env"], { environment: { GREETING: "hi" } })).toEqual({
      stdout: "hi\n",
      stderr: "",
      exitCode: 0,
    });
    expect((await client.exec(["/bin/x", "cat"], { stdin: "line 1\nline 2\n" })).stdout).toBe(
      "line 1\nline 2\n",
    );
    expect((await client.exec(["/bin/x", "big"])).stdout.length).toBe(1 << 20);
    const last = pebble.execs.at(-1);
    expect(last?.command).toEqual(["/bin/x", "big"]);
  });

  it("exec: non-zero exit is an ExecError with both streams", async () => {
    const err = await client
      .exec(["/bin/x", "fail"], { userId: 584792, workingDir: "/app" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect(err).toMatchObject({ exitCode: 3, stdout: "partial\n", stderr: "Error: boom\n" });
    expect(pebble.execs.at(-1)).toMatchObject({ userId: 584792, workingDir: "/app" });
  });

  it("exec: an unknown executable is refused up front", async () => {
    await expect(client.exec(["nonexistent"])).rejects.toThrow(/cannot find executable/);
  });

  it("waits for a slow change across Pebble's own wait timeouts, and gives up at its deadline", async () => {
    pebble.serviceChangeDelayMs = 5_500;
    const started = Date.now();
    const change = await client.restart(["web"], 10_000);
    expect(change.ready).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    await expect(client.restart(["web"], 1_000)).rejects.toBeInstanceOf(PebbleTimeoutError);
    pebble.serviceChangeDelayMs = 0;
  });

  it("checks list the plan's checks", async () => {
    await client.addLayer("checks", {
      checks: { up: { override: "replace", level: "ready", http: { url: "http://localhost:1/" } } },
    });
    expect((await client.getChecks()).map((c) => c.name)).toEqual(["up"]);
  });
});

describe("PebbleClient against canned replies", () => {
  const dir = mkdtempSync(join(tmpdir(), "hlp-pebble-canned-"));
  const socket = join(dir, "pebble.socket");
  let reply = { status: 200, body: "" };
  const server = http.createServer((_req, res) => {
    res.writeHead(reply.status, { "Content-Type": "application/json" });
    res.end(reply.body);
  });
  const client = new PebbleClient(socket, 5_000);
  const envelope = (result: unknown, type = "sync"): string =>
    JSON.stringify({ type, "status-code": 200, status: "OK", result });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["a reply that is not JSON", 502, "<html>Bad Gateway</html>", /response is not JSON/],
    ["JSON that is not an envelope", 200, JSON.stringify({ hello: "world" }), /not a Pebble envelope/],
    [
      "a result of the wrong shape",
      200,
      envelope([{ name: "web", startup: "enabled", current: "sleeping" }]),
      /unexpected result at 0\.current/,
    ],
  ])("%s is a protocol error, not an API error", async (_case, status, body, message) => {
    reply = { status, body };
    const err = await client.getServices().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PebbleProtocolError);
    expect(err).not.toBeInstanceOf(PebbleAPIError);
    expect(err).toMatchObject({ statusCode: status, method: "GET", path: "/v1/services" });
    expect(String((err as Error).message)).toMatch(message);
  });

  it("an error envelope is an API error with Pebble's kind and message", async () => {
    reply = {
      status: 404,
      body: JSON.stringify({
        type: "error",
        "status-code": 404,
        status: "Not Found",
        result: { message: "cannot find change", kind: "not-found" },
      }),
    };
    await expect(client.getServices()).rejects.toMatchObject({
      name: "PebbleAPIError",
      statusCode: 404,
      kind: "not-found",
      message: expect.stringMatching(/cannot find change/),
    });
  });

  it("an error without a kind, or with one Pebble does not define, has kind undefined", async () => {
    for (const result of [{ message: "bad request" }, { message: "bad request", kind: "made-up" }]) {
      reply = { status: 400, body: JSON.stringify({ type: "error", "status-code": 400, result }) };
      const err = await client.getServices().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PebbleAPIError);
      expect((err as PebbleAPIError).kind).toBeUndefined();
    }
  });

  it("a service action answered without a change id is a protocol error", async () => {
    reply = { status: 202, body: envelope(null, "async") };
    await expect(client.replan()).rejects.toBeInstanceOf(PebbleProtocolError);
  });

  it("a decoded reply keeps the fields the API defines and drops the rest", async () => {
    reply = {
      status: 200,
      body: envelope([{ name: "web", startup: "enabled", current: "active", "current-since": "now" }]),
    };
    expect(await client.getServices()).toEqual([{ name: "web", startup: "enabled", current: "active" }]);
  });
});

describe("multipart", () => {
  it("round-trips parts with CRLF and boundary-like content", () => {
    const parts = [
      { name: "request", contentType: "application/json", body: Buffer.from('{"a":1}') },
      { name: "files", filename: "/x/y", body: Buffer.from("--not-a-boundary\r\n\r\nend\r\n") },
    ];
    const { boundary, body } = buildMultipart(parts);
    const parsed = parseMultipart(body, boundary);
    expect(parsed.map((p) => [p.name, p.filename, p.body.toString()])).toEqual([
      ["request", undefined, '{"a":1}'],
      ["files", "/x/y", "--not-a-boundary\r\n\r\nend\r\n"],
    ]);
  });
});
