import { stringify } from "yaml";
import { ARCHITECTURE, DESCRIPTION, LICENSE, ROCK_NAME, SUMMARY } from "./rock-spec.js";

export interface RockMetadataInput {
  readonly version: string;
  /** ISO 8601 UTC; fixed per build input so that the image is reproducible. */
  readonly created: string;
}

/**
 * `/.rock/metadata.yaml` with the keys rockcraft writes (rockcraft/models/project.py generate_metadata).
 * The base filesystem is built from packages, like a `bare` rock, so there is no base-digest.
 */
export function rockMetadataYaml(input: RockMetadataInput): string {
  return stringify({
    name: ROCK_NAME,
    summary: SUMMARY,
    title: ROCK_NAME,
    version: input.version,
    created: input.created,
    base: "bare",
    architecture: ARCHITECTURE,
  });
}

/** The labels and manifest annotations rockcraft sets (same function upstream). */
export function ociAnnotations(input: RockMetadataInput): Record<string, string> {
  return {
    "org.opencontainers.image.created": input.created,
    "org.opencontainers.image.description": `${SUMMARY}\n\n${DESCRIPTION}`,
    "org.opencontainers.image.licenses": LICENSE,
    "org.opencontainers.image.title": ROCK_NAME,
    "org.opencontainers.image.version": input.version,
  };
}
