// Real bind9 tools check what the run generates, so a config bind rejects fails here, not mid-run.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { displayArgv, run } from "@httprequest-lego-provider/run-command";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureBind, renderNamedConf } from "../src/bind.js";
import { layoutFor } from "../src/layout.js";
import { locateTools, type ToolPaths } from "../src/system-tools.js";
import { parseLoadedSerial, renderZone, ZONES, zoneFileName } from "../src/zones.js";

const PORTS = { dns: 15353, rndc: 15953, acme: 14000, pebbleManagement: 15000, provider: 18080 };
let root: string;
let tools: ToolPaths;

beforeAll(async () => {
  const { found, missing } = locateTools(process.env.PATH);
  if (missing.length > 0)
    throw new Error(`missing ${missing.join(", ")}: run node tools/ensure-system-deps.mjs`);
  tools = found as ToolPaths;
  root = await mkdtemp(join(tmpdir(), "e2e-bind-config-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("bind configuration", () => {
  it("listens on the loopback port only and serves each zone from the deployed file", () => {
    const conf = renderNamedConf(layoutFor("/s"), PORTS, ZONES);
    expect(conf).toContain("listen-on port 15353 { 127.0.0.1; };");
    expect(conf).toContain("listen-on-v6 { none; };");
    expect(conf).toContain("recursion no;");
    expect(conf).toContain(
      'zone "example.co.test" { type primary; file "/s/zones/example.co.test.domain"; };',
    );
  });

  it("is accepted by named-checkconf, with a fresh rndc key", async () => {
    await expect(configureBind(tools, layoutFor(root), PORTS, ZONES)).resolves.toBeUndefined();
  });

  it.each(ZONES)("zone %s loads with its initial serial", async (zone) => {
    const file = join(root, zoneFileName(zone));
    await writeFile(file, renderZone(zone, 2026112501));
    const checked = await run([tools["named-checkzone"], zone, file]);
    expect(parseLoadedSerial(checked.stdout)).toBe(2026112501);
  });
});

describe("displayArgv", () => {
  it("hides passwords given on the command line", () => {
    expect(displayArgv(["node", "cli.js", "create-user", "alice", "--password", "s3cret"])).toBe(
      "node cli.js create-user alice --password ***",
    );
  });
});
