import { stringify } from "yaml";
import {
  APP_DIR,
  CLI_PATH,
  NODE_FLAGS,
  NODE_PATH,
  RUN_USER,
  SERVICE_ENVIRONMENT,
  SERVICE_NAME,
  SUMMARY,
} from "./rock-spec.js";

/** The service as a Pebble layer describes it (https://documentation.ubuntu.com/pebble/reference/layer-specification/). */
export interface PebbleService {
  readonly override: "replace";
  readonly summary: string;
  readonly command: string;
  readonly startup: "enabled";
  readonly user: string;
  readonly "working-dir": string;
  readonly environment: Readonly<Record<string, string>>;
}

export function pebbleService(): PebbleService {
  return {
    override: "replace",
    summary: SUMMARY,
    command: [NODE_PATH, ...NODE_FLAGS, CLI_PATH, "serve"].join(" "),
    startup: "enabled",
    user: RUN_USER.name,
    "working-dir": APP_DIR,
    environment: { ...SERVICE_ENVIRONMENT },
  };
}

/** The baked layer Juju's Pebble picks up from the image (PEBBLE_COPY_ONCE), as rockcraft writes it. */
export function pebbleLayerYaml(): string {
  return stringify({
    summary: `${SERVICE_NAME} service`,
    description: "Baked into the image; the charm adds a layer with the runtime environment.",
    services: { [SERVICE_NAME]: pebbleService() },
  });
}
