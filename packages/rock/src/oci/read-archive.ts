import { readTarMembers } from "../tar-members.js";

/** The manifest digest that index.json names for a tag. */
export async function manifestDigestOf(path: string, tag: string): Promise<string> {
  const members = await readTarMembers(path, new Set(["index.json"]));
  const index = JSON.parse(members.get("index.json")?.toString("utf8") ?? "{}") as {
    manifests?: { digest: string; annotations?: Record<string, string> }[];
  };
  const match = index.manifests?.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!match) throw new Error(`${path}: no image tagged ${tag} in index.json`);
  return match.digest;
}
