/**
 * The part of the CycloneDX 1.5 JSON schema (https://cyclonedx.org/docs/1.5/json/) our SBOMs use,
 * checked before an SBOM goes into dist/: required top-level fields, and name, version and a
 * well-formed purl on every component.
 */
import { z } from "zod";

const purl = z
  .string()
  .regex(/^pkg:[a-z][a-z0-9.+-]*\/[^\s]+@[^\s?#]+(\?[^\s#]+)?$/, "a package URL (pkg:type/name@version)");

const component = z.object({
  type: z.enum([
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "firmware",
    "file",
  ]),
  "bom-ref": z.string().min(1).optional(),
  name: z.string().min(1),
  version: z.string().min(1),
  purl: purl.optional(),
  cpe: z.string().startsWith("cpe:2.3:").optional(),
  licenses: z.array(z.object({ expression: z.string().min(1) })).optional(),
  properties: z.array(z.object({ name: z.string().min(1), value: z.string() })).optional(),
});

export const cyclonedxSchema = z.object({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.literal("1.5"),
  serialNumber: z
    .string()
    .regex(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  version: z.number().int().min(1),
  metadata: z.object({
    timestamp: z.string().datetime({ offset: true }),
    tools: z.object({ components: z.array(component.partial({ version: true })).min(1) }),
    component,
  }),
  components: z.array(component).superRefine((list, ctx) => {
    const refs = list.map((c) => c["bom-ref"]).filter((r) => r !== undefined);
    if (new Set(refs).size !== refs.length)
      ctx.addIssue({ code: "custom", message: "bom-ref values must be unique" });
    for (const [i, c] of list.entries())
      if (c.type !== "operating-system" && c.purl === undefined)
        ctx.addIssue({ code: "custom", path: [i, "purl"], message: `${c.name} has no purl` });
  }),
});

export type ValidatedBom = z.infer<typeof cyclonedxSchema>;

/** Throws with every problem listed when `doc` is not an SBOM we ship. */
export function assertCycloneDx(doc: unknown, what: string): ValidatedBom {
  const parsed = cyclonedxSchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`the SBOM of ${what} is not valid CycloneDX 1.5: ${issues.join("; ")}`);
  }
  return parsed.data;
}
