/**
 * The rock build's `<rock file>.contents.json` (packages/rock/src/contents/contents.ts): what the
 * image is made of. Parsed here with a schema, since it is the contract between the two packages.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";

const npmPackage = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  license: z.string().optional(),
});

export const imageContentsSchema = z.object({
  contentsVersion: z.literal(1),
  image: z.object({ name: z.string().min(1), version: z.string().min(1), created: z.string().min(1) }),
  architecture: z.string().min(1),
  distro: z.string().regex(/^[a-z]+-[0-9.]+$/, "<id>-<version>, e.g. debian-12"),
  debian: z.array(
    z.object({
      name: z.string().min(1),
      version: z.string().min(1),
      architecture: z.string().min(1),
      source: z.string().min(1),
      sourceVersion: z.string().min(1),
    }),
  ),
  node: z.object({ version: z.string().min(1), npmPackage: z.string().min(1) }),
  app: z.object({ name: z.string().min(1), version: z.string().min(1), npm: z.array(npmPackage) }),
});

export type ImageContents = z.infer<typeof imageContentsSchema>;
export type NpmPackage = z.infer<typeof npmPackage>;

export const contentsFileName = (rockFile: string): string => `${rockFile}.contents.json`;

export async function readImageContents(path: string): Promise<ImageContents> {
  const parsed = imageContentsSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(
      `${path} is not a contents record the SBOM can be made from (${fields.join("; ")}); rebuild the rock`,
    );
  }
  return parsed.data;
}
