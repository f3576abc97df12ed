import { describe, expect, it } from "vitest";
import { checkFailureMessage, downChecks, lastCheckError } from "../src/check-failure.js";
import type { CheckInfo } from "../src/pebble/types.js";

describe("the reason Pebble logged for a failing check", () => {
  it.each<[string, string[] | undefined, string | undefined]>([
    [
      "the http checker's error with the first lines of the body",
      [
        '2026-11-30T02:00:00Z ERROR non-2xx status code 503; {"status":"unavailable","checks":{"database":"ok","git":"unreachable"}}',
      ],
      'non-2xx status code 503; {"status":"unavailable","checks":{"database":"ok","git":"unreachable"}}',
    ],
    [
      "the newest error, not an older one or a later INFO line",
      [
        "2026-11-30T02:00:00Z ERROR check timed out after 5s",
        '2026-11-30T02:00:10Z ERROR Get "http://localhost:8080/readyz": connection refused',
        "2026-11-30T02:00:20Z INFO succeeded after 2 failures",
      ],
      'Get "http://localhost:8080/readyz": connection refused',
    ],
    [
      "a body of several lines on one line",
      ["2026-11-30T02:00:00Z ERROR code 500; a\nb\n(...)"],
      "code 500; a b (...)",
    ],
    ["nothing logged yet (a fresh recover-check)", [], undefined],
    ["no task log at all", undefined, undefined],
  ])("%s", (_, log, reason) => {
    expect(lastCheckError(log)).toBe(reason);
  });

  it("a very long reason is cut so juju status stays readable", () => {
    const reason = lastCheckError([`2026-11-30T02:00:00Z ERROR ${"x".repeat(1000)}`]);
    expect(reason?.length).toBe(240);
    expect(reason?.endsWith("…")).toBe(true);
  });
});

describe("which checks count as down", () => {
  const check = (name: string, level: string, status: CheckInfo["status"]): CheckInfo => ({
    name,
    level,
    status,
    failures: status === "down" ? 3 : 0,
    threshold: 3,
  });

  it("only down ones, alive before ready", () => {
    const checks = [
      check("readyz", "ready", "down"),
      check("healthz", "alive", "down"),
      check("other", "", "up"),
      check("stopped", "", "inactive"),
    ];
    expect(downChecks(checks).map((c) => c.name)).toEqual(["healthz", "readyz"]);
  });

  it.each([
    ["alive", "Service not alive, check healthz: boom"],
    ["ready", "Service not ready, check healthz: boom"],
  ] as const)("a %s check's message", (level, message) => {
    expect(checkFailureMessage({ name: "healthz", level, reason: "boom" })).toBe(message);
  });
});
