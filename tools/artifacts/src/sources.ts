/**
 * Where the artifacts and their versions come from in the repository. The provider's package.json
 * version is the product version; the rock must carry it in its file name and tag.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { contentsFileName } from "./sbom/image-contents.js";

export const CHARM_FILE = "httprequest-lego-provider_amd64.charm";
export const rockFileName = (version: string): string => `httprequest-lego-provider_${version}_amd64.rock`;

export interface BuildSources {
  readonly version: string;
  readonly versions: { readonly provider: string; readonly rock: string; readonly charm: string };
  readonly charmPath: string;
  readonly charmName: string;
  readonly imageResource: string;
  readonly rockPath: string;
  /** The rock build's record of what the image holds (absent after a --rockcraft build). */
  readonly rockContentsPath: string;
  /** packages/charm: its installed dependencies are what the .charm bundles. */
  readonly charmPackageDir: string;
}

export class SourcesError extends Error {
  override readonly name = "SourcesError";
}

const packageJson = z.object({ version: z.string() });
const charmcraftYaml = z.object({
  name: z.string(),
  resources: z.record(z.string(), z.object({ type: z.string() })).default({}),
});

async function readVersion(path: string): Promise<string> {
  try {
    return packageJson.parse(JSON.parse(await readFile(path, "utf8"))).version;
  } catch (error) {
    throw new SourcesError(`cannot read the version from ${path}: ${(error as Error).message}`);
  }
}

export async function readSources(repoRoot: string): Promise<BuildSources> {
  const provider = await readVersion(join(repoRoot, "packages/provider/package.json"));
  const rock = await readVersion(join(repoRoot, "packages/rock/package.json"));
  const charm = await readVersion(join(repoRoot, "packages/charm/package.json"));
  const charmcraftPath = join(repoRoot, "packages/charm/charmcraft.yaml");
  let doc: z.infer<typeof charmcraftYaml>;
  try {
    doc = charmcraftYaml.parse(parseYaml(await readFile(charmcraftPath, "utf8")));
  } catch (error) {
    throw new SourcesError(
      `cannot read the charm's name and resources from ${charmcraftPath}: ${(error as Error).message}`,
    );
  }
  const images = Object.entries(doc.resources).filter(([, r]) => r.type === "oci-image");
  const [image] = images;
  if (!image || images.length !== 1) {
    throw new SourcesError(
      `${charmcraftPath} declares ${images.length} oci-image resources; the rock needs exactly one`,
    );
  }
  return {
    version: provider,
    versions: { provider, rock, charm },
    charmPath: join(repoRoot, "packages/charm/dist", CHARM_FILE),
    charmName: doc.name,
    imageResource: image[0],
    rockPath: join(repoRoot, "packages/rock/dist", rockFileName(provider)),
    rockContentsPath: join(repoRoot, "packages/rock/dist", contentsFileName(rockFileName(provider))),
    charmPackageDir: join(repoRoot, "packages/charm"),
  };
}
