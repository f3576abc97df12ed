/**
 * Reads named members of an uncompressed tar (an OCI archive, a rock) with tar-stream: ustar, pax
 * and GNU long names and base-256 sizes as GNU tar and skopeo write them. Reading stops as soon as
 * every wanted member has been found.
 */
import { createReadStream } from "node:fs";
import tarStream from "tar-stream";

export class TarFormatError extends Error {
  override readonly name = "TarFormatError";
}

/** "./index.json" and "index.json" name the same member; so do "blobs/" and "blobs". */
export function normalizeName(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/**
 * The contents of the regular-file members whose normalised names are in `wanted` (missing names
 * are absent from the map). A member larger than `maxBytes` is refused before it is read.
 */
export async function readTarMembers(
  path: string,
  wanted: ReadonlySet<string>,
  maxBytes = 16 * 1024 * 1024,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (wanted.size === 0) return found;
  const file = createReadStream(path);
  const extract = tarStream.extract();
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        reject(error instanceof TarFormatError ? error : new TarFormatError(`${path}: ${error.message}`));
      };
      extract.on("entry", (header, stream, next) => {
        const name = normalizeName(header.name);
        const size = header.size ?? 0;
        const regular = header.type === "file" || header.type === "contiguous-file";
        if (!regular || !wanted.has(name)) {
          stream.on("end", next);
          stream.resume();
          return;
        }
        if (size > maxBytes) {
          fail(new TarFormatError(`${name} in ${path} is larger than ${maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: unknown) => chunks.push(Buffer.from(chunk as Uint8Array)));
        stream.on("end", () => {
          found.set(name, Buffer.concat(chunks));
          if (found.size === wanted.size) resolve();
          else next();
        });
      });
      extract.on("finish", resolve);
      extract.on("error", fail);
      file.on("error", fail);
      file.pipe(extract);
    });
    return found;
  } finally {
    file.destroy();
    extract.destroy();
  }
}
