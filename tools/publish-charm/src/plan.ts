/**
 * What publish-charm runs, as data: argv arrays built from the manifest and the options. Nothing
 * here starts a process, so `--dry-run` prints exactly what a real run executes.
 */
import { join, resolve } from "node:path";
import { UsageError } from "./errors.js";
import type { ArtifactManifest } from "./manifest.js";

export interface Command {
  readonly argv: readonly string[];
  /** One line for progress output. */
  readonly summary: string;
}

/**
 * How charmcraft gets the image. `archive`: charmcraft 3.1+ reads the rock itself through its
 * bundled skopeo when `--image` is a skopeo transport string. `docker-daemon`: for older
 * charmcraft, which only accepts a local Docker image id; skopeo loads the archive into Docker first.
 */
export type ImageSource = "archive" | "docker-daemon";
export const IMAGE_SOURCES: readonly ImageSource[] = ["archive", "docker-daemon"];

export interface PublishOptions {
  readonly distDir: string;
  readonly channel: string;
  readonly imageSource: ImageSource;
}

export interface PublishPlan {
  readonly charmPath: string;
  readonly rockPath: string;
  readonly uploadCharm: Command;
  /** Only for the docker-daemon image source. */
  readonly loadImage: Command | undefined;
  readonly uploadResource: Command;
  release(charmRevision: number | string, resourceRevision: number | string): Command;
}

export function planPublish(manifest: ArtifactManifest, options: PublishOptions): PublishPlan {
  const distDir = resolve(options.distDir);
  const charmPath = join(distDir, manifest.charm.file);
  const rockPath = join(distDir, manifest.rock.file);
  const { name, imageResource } = manifest.charm;
  const tag = manifest.rock.ociTag;
  // skopeo splits `oci-archive:<path>:<tag>` at the last colon, so a colon in the path is ambiguous.
  if (rockPath.includes(":")) {
    throw new UsageError(`the rock's path ${rockPath} contains ':', which skopeo cannot address; move dist/`);
  }
  const archiveRef = `oci-archive:${rockPath}:${tag}`;

  let loadImage: Command | undefined;
  let image: string;
  if (options.imageSource === "archive") {
    image = archiveRef;
  } else {
    const dockerRef = `${name}:${tag}`;
    loadImage = {
      argv: ["skopeo", "copy", archiveRef, `docker-daemon:${dockerRef}`],
      summary: `load the rock into Docker as ${dockerRef}`,
    };
    // Docker's image id is the digest of the image config, which skopeo copies unchanged; charmcraft
    // before 3.1 wants that id without the "sha256:" prefix (charmcraft docs, "Manage resources").
    image = manifest.rock.ociConfigDigest.slice("sha256:".length);
  }

  return {
    charmPath,
    rockPath,
    uploadCharm: {
      argv: ["charmcraft", "upload", charmPath, "--format=json"],
      summary: `upload ${manifest.charm.file}`,
    },
    loadImage,
    uploadResource: {
      argv: ["charmcraft", "upload-resource", name, imageResource, `--image=${image}`, "--format=json"],
      summary: `upload ${manifest.rock.file} as resource ${imageResource}`,
    },
    release(charmRevision, resourceRevision) {
      return {
        argv: [
          "charmcraft",
          "release",
          name,
          `--revision=${charmRevision}`,
          `--channel=${options.channel}`,
          `--resource=${imageResource}:${resourceRevision}`,
        ],
        summary: `release revision ${charmRevision} with ${imageResource} revision ${resourceRevision} to ${options.channel}`,
      };
    },
  };
}
