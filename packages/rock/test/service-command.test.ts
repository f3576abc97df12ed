import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "@httprequest-lego-provider/provider/runtime-flags";
import { describe, expect, it } from "vitest";
import { pebbleService } from "../src/pebble-layer.js";
import { imageConfigInput } from "../src/plan.js";
import { CLI_PATH, MALLOC_ENVIRONMENT, NODE_FLAGS, NODE_PATH } from "../src/rock-spec.js";

// The bench measures memory with the provider's flags; the image must start the service the same way.
describe("the image's service command", () => {
  it("uses the provider's V8 flags", () => {
    expect(NODE_FLAGS).toEqual(SERVICE_NODE_FLAGS);
  });

  it("passes them to node before the CLI, in the Pebble layer and the entrypoint", () => {
    expect(pebbleService().command).toBe([NODE_PATH, ...SERVICE_NODE_FLAGS, CLI_PATH, "serve"].join(" "));
    const config = imageConfigInput({ version: "0.1.0", created: "2026-01-01T00:00:00Z" }, []);
    expect(config.entrypoint).toEqual([NODE_PATH, ...SERVICE_NODE_FLAGS, CLI_PATH]);
    expect(config.cmd).toEqual(["serve"]);
  });

  it("uses the provider's malloc settings, in the Pebble layer and the image's environment", () => {
    expect(MALLOC_ENVIRONMENT).toEqual(SERVICE_ENVIRONMENT);
    expect(pebbleService().environment).toMatchObject(SERVICE_ENVIRONMENT);
    const config = imageConfigInput({ version: "0.1.0", created: "2026-01-01T00:00:00Z" }, []);
    for (const [name, value] of Object.entries(SERVICE_ENVIRONMENT))
      expect(config.env).toContain(`${name}=${value}`);
  });
});
