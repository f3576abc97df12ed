import { createReadStream } from "node:fs";
import tarStream from "tar-stream";

/** Reads small members (index.json, manifests, configs) of an oci-archive by name. */
export async function readArchiveMembers(
  path: string,
  wanted: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^\.\//, "");
      if (!wanted(name)) {
        stream.on("end", next);
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        found.set(name, Buffer.concat(chunks));
        next();
      });
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  createReadStream(path)
    .on("error", (error) => extract.destroy(error))
    .pipe(extract);
  await done;
  return found;
}

/** The manifest digest that index.json names for a tag. */
export async function manifestDigestOf(path: string, tag: string): Promise<string> {
  const members = await readArchiveMembers(path, (name) => name === "index.json");
  const index = JSON.parse(members.get("index.json")?.toString("utf8") ?? "{}") as {
    manifests?: { digest: string; annotations?: Record<string, string> }[];
  };
  const match = index.manifests?.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!match) throw new Error(`${path}: no image tagged ${tag} in index.json`);
  return match.digest;
}
