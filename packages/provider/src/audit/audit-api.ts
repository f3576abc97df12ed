import express, { type Request, type Router } from "express";
import { z } from "zod/v3";
import { normaliseName } from "../challenge/dns-name.js";
import { AppError } from "../errors.js";
import { absoluteUrl, type PublicUrl, parsePublicUrl } from "../http/public-url.js";
import type { AuditRecord } from "./audit-entry.js";
import type { AuditReader } from "./audit-log.js";
import { type AuditFilter, auditColumns } from "./audit-repo.js";

export const MAX_PAGE_SIZE = 500;

const text = z.string().trim().min(1).max(255);
const auditQuery = z.object({
  kind: z.enum(["challenge", "admin"]).optional(),
  user: text.optional(),
  fqdn: text.optional(),
  action: text.optional(),
  outcome: text.optional(),
  since: z.string().datetime({ offset: true }).optional(),
  until: z.string().datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});

export type AuditQuery = z.infer<typeof auditQuery>;

/** Validates the query string of the audit endpoint; 400 names the bad parameter. */
export function parseAuditQuery(raw: Record<string, unknown>): AuditQuery {
  const single: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) single[k] = Array.isArray(v) ? v[v.length - 1] : v;
  const parsed = auditQuery.safeParse(single);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "query";
    throw new AppError("bad_request", `${field}: ${issue?.message ?? "invalid"}`, { details: { field } });
  }
  return parsed.data;
}

export function auditFilterOf(q: AuditQuery): AuditFilter {
  return {
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.user ? { user: q.user } : {}),
    ...(q.fqdn ? { domain: normaliseName(q.fqdn) } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    ...(q.until ? { until: new Date(q.until) } : {}),
  };
}

/** A record as the API shows it: the table's columns, with the time in ISO 8601. */
export const auditJson = (r: AuditRecord) => ({
  id: r.id,
  ...auditColumns(r),
  occurred_at: r.occurredAt.toISOString(),
});

function pageUrl(pub: PublicUrl, req: Request, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) if (typeof v === "string" && k !== "page") params.set(k, v);
  params.set("page", String(page));
  return absoluteUrl(pub, req, `${req.baseUrl}/?${params.toString()}`);
}

/**
 * `GET /api/v1/audit/`: read-only, newest first, in the Django REST framework's page shape
 * (`count`, `next`, `previous`, `results`). Mounted behind the admin API's staff check.
 */
export function auditApiRoutes(reader: AuditReader, pub: PublicUrl = parsePublicUrl(undefined)): Router {
  const router = express.Router();
  router.get("/", (req, res, next) => {
    (async () => {
      const q = parseAuditQuery(req.query as Record<string, unknown>);
      const { total, records } = await reader.query(auditFilterOf(q), {
        limit: q.page_size,
        offset: (q.page - 1) * q.page_size,
      });
      res.json({
        count: total,
        next: q.page * q.page_size < total ? pageUrl(pub, req, q.page + 1) : null,
        previous: q.page > 1 ? pageUrl(pub, req, q.page - 1) : null,
        results: records.map(auditJson),
      });
    })().catch(next);
  });
  router.all("/", (req, res) => {
    res.setHeader("Allow", "GET, HEAD");
    res.status(405).json({
      error: "method_not_allowed",
      message: `Method "${req.method}" not allowed: the audit trail is read-only`,
    });
  });
  return router;
}
