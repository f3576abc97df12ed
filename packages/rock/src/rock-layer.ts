/** Layer 4: what rockcraft adds on top of the parts: run user, Pebble layer, control data, data dir. */
import { dirEntry, fileEntry, type LayerEntry } from "./layer/entries.js";
import { pebbleLayerYaml } from "./pebble-layer.js";
import { type RockMetadataInput, rockMetadataYaml } from "./rock-metadata.js";
import {
  DATA_DIR,
  PEBBLE_DIR,
  PEBBLE_LAYER_PATH,
  ROCK_METADATA_PATH,
  RUN_USER,
  RUN_USER_GROUP_LINE,
  RUN_USER_PASSWD_LINE,
} from "./rock-spec.js";

/** Appends a line to an /etc file unless an entry with the same name is already there. */
export function withLine(file: string, line: string): string {
  const name = line.slice(0, line.indexOf(":") + 1);
  const lines = file.split("\n").filter((l) => l !== "");
  if (lines.some((l) => l.startsWith(name))) return `${lines.join("\n")}\n`;
  return `${[...lines, line].join("\n")}\n`;
}

export interface RockLayerInput extends RockMetadataInput {
  readonly basePasswd: string;
  readonly baseGroup: string;
}

export function rockLayerEntries(input: RockLayerInput): LayerEntry[] {
  const runUser = { uid: RUN_USER.uid, gid: RUN_USER.gid };
  return [
    fileEntry("etc/passwd", withLine(input.basePasswd, RUN_USER_PASSWD_LINE)),
    fileEntry("etc/group", withLine(input.baseGroup, RUN_USER_GROUP_LINE)),
    // rockcraft makes Pebble's directory world-writable so a non-root Pebble can use it.
    dirEntry(PEBBLE_DIR.slice(1), 0o777),
    dirEntry(`${PEBBLE_DIR.slice(1)}/layers`, 0o755),
    fileEntry(PEBBLE_LAYER_PATH.slice(1), pebbleLayerYaml(), 0o644),
    dirEntry(DATA_DIR.slice(1), 0o750, runUser),
    dirEntry(".rock", 0o755),
    fileEntry(ROCK_METADATA_PATH.slice(1), rockMetadataYaml(input), 0o644),
  ];
}
