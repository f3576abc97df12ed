import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failingChecks } from "../src/check-status.js";
import { desiredLayer } from "../src/layer.js";
import { PebbleClient } from "../src/pebble/client.js";
import { FakePebble } from "./doubles/pebble.js";

// What the unit's status will say about a down check, read from the Pebble double's checks API.
describe("failingChecks against the Pebble double", () => {
  const dir = mkdtempSync(join(tmpdir(), "hlp-checks-"));
  const socket = join(dir, "pebble.socket");
  const pebble = new FakePebble(socket, join(dir, "root"), () => ({ exitCode: 0 }));
  const client = new PebbleClient(socket, 5_000);

  beforeAll(async () => {
    await pebble.start();
    await client.addLayer("charm", desiredLayer({}));
    await client.replan();
  });
  afterAll(async () => {
    await pebble.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("none while every check is up", async () => {
    expect(await failingChecks(client)).toEqual([]);
  });

  it("a down readyz with the error Pebble logged when it hit the threshold", async () => {
    pebble.failingChecks.set("readyz", 'non-2xx status code 503; {"status":"unavailable"}');
    expect(await failingChecks(client)).toEqual([
      { name: "readyz", level: "ready", reason: 'non-2xx status code 503; {"status":"unavailable"}' },
    ]);
  });

  it("the dead process before the unready one", async () => {
    pebble.failingChecks.set("healthz", "check timed out after 3s");
    expect((await failingChecks(client)).map((f) => f.name)).toEqual(["healthz", "readyz"]);
    pebble.failingChecks.delete("healthz");
  });

  it("with the logged error pruned, still names the check and how often it failed", async () => {
    pebble.pruneReadyChanges();
    expect(await failingChecks(client)).toEqual([
      { name: "readyz", level: "ready", reason: "failed 3 times in a row" },
    ]);
  });
});
