import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServiceProcess, startServiceProcess } from "../helpers/service-process.js";

const run = promisify(execFile);

/**
 * `pnpm start` is `serve --dev`: its banner is the first thing a newcomer reads. The commands it
 * prints are pasted into a shell here, as printed; what cannot work on one machine must not look
 * like a command.
 */
describe("serve --dev banner", () => {
  let dataDir: string;
  let svc: ServiceProcess;
  let banner: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hlp-banner-"));
    svc = await startServiceProcess({ APP_DATA_DIR: dataDir, APP_PORT: "0" }, "--dev");
    // The banner is written in one piece once the service listens.
    for (let i = 0; i < 50 && !svc.output().includes("pnpm e2e"); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    banner = svc.output();
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a curl command that, pasted into a shell, lands a record in the demo repository", async () => {
    const m = /^ {2}(curl .*\\\n.*)$/m.exec(banner);
    expect(m?.[1]).toBeDefined();
    const { stdout } = await run("sh", ["-c", `${m?.[1] ?? ""} -sS -w ' %{http_code}'`]);
    expect(stdout).toBe('{"fqdn":"_acme-challenge.www.example.test","value":"demo-value-123"} 200');
    const { stdout: zone } = await run("git", [
      "--git-dir",
      path.join(dataDir, "demo-dns.git"),
      "show",
      "main:example.test.domain",
    ]);
    expect(zone).toContain('_acme-challenge.www 600 IN TXT "demo-value-123"');
  });

  it("prints no lego command that cannot work here, and says what a certificate takes", () => {
    expect(banner).not.toMatch(/^\s*(HTTPREQ_\w+=\S+ )+.*\\?$/m);
    expect(banner).not.toMatch(/^\s*lego /m);
    expect(banner).toContain("whose DNS servers serve the zone files of APP_GIT_REPO");
    expect(banner).toContain(
      "No DNS server serves the demo repository, and example.test is not a real domain.",
    );
    expect(banner).toContain("`pnpm e2e` runs lego end to end on this machine");
  });
});
