/**
 * A structural schema for the parts of the GitHub Actions workflow syntax these workflows use
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax). Objects
 * are strict, so a misspelt key fails instead of being ignored by GitHub. It is a subset: a key we
 * do not use yet has to be added here before a workflow can use it.
 */
import { z } from "zod";

const expressionOr = <T extends z.ZodType>(schema: T) =>
  z.union([schema, z.string().regex(/^\$\{\{.*\}\}$/s)]);
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const jobId = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "a job id: letters, digits, '-' and '_'");
const permissionLevel = z.enum(["read", "write", "none"]);
const permissions = z.union([z.enum(["read-all", "write-all"]), z.record(z.string(), permissionLevel)]);

/** `owner/repo@ref`, `owner/repo/path@ref`, `./local` or `docker://image`; a ref is mandatory. */
const actionRef = z
  .string()
  .regex(/^([\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w.-]+|\.\/[\w./-]+|docker:\/\/\S+)$/, "owner/repo@ref (pinned)");

export const stepSchema = z
  .strictObject({
    id: z.string().optional(),
    name: z.string().optional(),
    if: z.union([z.string(), z.boolean()]).optional(),
    uses: actionRef.optional(),
    run: z.string().min(1).optional(),
    with: stringMap.optional(),
    env: stringMap.optional(),
    shell: z.string().optional(),
    "working-directory": z.string().optional(),
    "continue-on-error": expressionOr(z.boolean()).optional(),
    "timeout-minutes": expressionOr(z.number().positive()).optional(),
  })
  .refine(
    (step) => (step.uses === undefined) !== (step.run === undefined),
    "a step has exactly one of uses and run",
  );

const container = z.union([
  z.string(),
  z.strictObject({
    image: z.string(),
    options: z.string().optional(),
    env: stringMap.optional(),
    ports: z.array(z.union([z.string(), z.number()])).optional(),
    volumes: z.array(z.string()).optional(),
    credentials: z.strictObject({ username: z.string(), password: z.string() }).optional(),
  }),
]);

export const jobSchema = z.strictObject({
  name: z.string().optional(),
  "runs-on": z.union([z.string(), z.array(z.string()).min(1)]),
  needs: z.union([jobId, z.array(jobId)]).optional(),
  if: z.union([z.string(), z.boolean()]).optional(),
  permissions: permissions.optional(),
  environment: z
    .union([z.string(), z.strictObject({ name: z.string(), url: z.string().optional() })])
    .optional(),
  concurrency: z.unknown().optional(),
  container: container.optional(),
  services: z.record(z.string(), container).optional(),
  env: stringMap.optional(),
  outputs: z.record(z.string(), z.string()).optional(),
  strategy: z.unknown().optional(),
  "timeout-minutes": z.number().positive().optional(),
  "continue-on-error": z.boolean().optional(),
  defaults: z.unknown().optional(),
  steps: z.array(stepSchema).min(1),
});

const branchFilter = z
  .strictObject({
    branches: z.array(z.string()).optional(),
    "branches-ignore": z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    "tags-ignore": z.array(z.string()).optional(),
    paths: z.array(z.string()).optional(),
    "paths-ignore": z.array(z.string()).optional(),
  })
  .nullable();

const dispatchInput = z.strictObject({
  description: z.string().optional(),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.boolean(), z.number()]).optional(),
  type: z.enum(["string", "boolean", "choice", "number", "environment"]).optional(),
  options: z.array(z.string()).optional(),
});

const triggers = z.strictObject({
  push: branchFilter.optional(),
  pull_request: branchFilter.optional(),
  workflow_dispatch: z
    .strictObject({ inputs: z.record(z.string(), dispatchInput).optional() })
    .nullable()
    .optional(),
  schedule: z.array(z.strictObject({ cron: z.string() })).optional(),
  release: z.unknown().optional(),
});

export const workflowSchema = z
  .strictObject({
    name: z.string(),
    on: triggers,
    permissions: permissions.optional(),
    concurrency: z
      .union([
        z.string(),
        z.strictObject({
          group: z.string(),
          "cancel-in-progress": z.union([z.boolean(), z.string()]).optional(),
        }),
      ])
      .optional(),
    env: stringMap.optional(),
    defaults: z.unknown().optional(),
    jobs: z.record(jobId, jobSchema),
  })
  .superRefine((workflow, ctx) => {
    const ids = new Set(Object.keys(workflow.jobs));
    for (const [id, job] of Object.entries(workflow.jobs)) {
      const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
      for (const need of needs) {
        if (!ids.has(need))
          ctx.addIssue({ code: "custom", path: ["jobs", id, "needs"], message: `no job ${need}` });
      }
    }
  });

export type Workflow = z.infer<typeof workflowSchema>;
export type Step = z.infer<typeof stepSchema>;
