import { describe, expect, it } from "vitest";
import { logHasStatus } from "../src/provider.js";
import { summaryLine, totalLine } from "../src/report.js";
import { packagesFor } from "../src/system-tools.js";

describe("logHasStatus", () => {
  const pinoHttp =
    '{"level":30,"req":{"method":"POST","url":"/present"},"res":{"statusCode":403},"user":"bob","fqdn":"_acme-challenge.example.test"}';

  it("finds a 403 at any depth of a JSON log line that mentions the user", () => {
    expect(logHasStatus(`{"msg":"start"}\n${pinoHttp}\n`, 403, ["bob"])).toBe(true);
    expect(logHasStatus('{"status":403,"user":"bob"}', 403, ["bob"])).toBe(true);
  });

  it("needs both the status and the mention on the same line", () => {
    expect(logHasStatus(pinoHttp, 403, ["alice"])).toBe(false);
    expect(logHasStatus(pinoHttp.replace("403", "200"), 403, ["bob"])).toBe(false);
    expect(logHasStatus('{"msg":"took 403 ms","user":"bob"}', 403, ["bob"])).toBe(false);
  });

  it("accepts plain-text log lines", () => {
    expect(logHasStatus("POST /present 403 user=bob", 403, ["bob"])).toBe(true);
  });
});

describe("report", () => {
  it("prints one line per scenario with its duration", () => {
    const line = summaryLine({ id: "no-grant", passed: true, durationMs: 312, detail: "refused\nmore" });
    expect(line).toMatch(/^PASS {2}no-grant +0\.3 s {2}refused$/);
    expect(totalLine([{ id: "a", passed: false, durationMs: 1, detail: "" }], 1000, 2500)).toBe(
      "e2e: 1 scenarios, 1 FAILED; setup 1.0 s, total 2.5 s",
    );
    expect(totalLine([], 0, 2500)).toBe(
      "e2e: setup FAILED or interrupted after 2.5 s; 0 of 0 scenarios passed",
    );
  });
});

describe("packagesFor", () => {
  it("names each Debian package once, sorted", () => {
    expect(packagesFor(["rndc", "named-checkzone", "dig", "lego"])).toEqual([
      "bind9-utils",
      "dnsutils",
      "lego",
    ]);
  });
});
