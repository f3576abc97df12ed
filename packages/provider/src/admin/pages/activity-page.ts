import type { Router } from "express";
import type { AuditKind, AuditRecord } from "../../audit/audit-entry.js";
import { attr, html, type SafeHtml } from "../html.js";
import { type PageContext, page } from "../layout.js";
import { type PageKit, queryText, send, wrap } from "../page-kit.js";
import { selectField, textField, utcTime } from "./fields.js";

export interface ActivityFilter {
  readonly user?: string;
  readonly domain?: string;
  readonly action?: string;
  readonly outcome?: string;
}

export interface ActivityView {
  readonly kind: AuditKind;
  readonly filter: ActivityFilter;
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly records: readonly AuditRecord[];
  readonly error?: string;
}

const OUTCOMES = ["ok", "denied", "invalid", "unauthenticated", "failed"];

function query(kind: AuditKind, f: ActivityFilter, pageNo: number): string {
  const p = new URLSearchParams({ kind });
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  if (pageNo > 1) p.set("page", String(pageNo));
  return p.toString();
}

function outcomeBadge(r: AuditRecord): SafeHtml {
  const cls = r.outcome === "ok" ? "ok" : "bad";
  return html`<span class="badge ${cls}">${r.outcome}${r.status !== null ? ` (${r.status})` : ""}</span>`;
}

/** "× 37 attempts from 192.0.2.7" for a row that stands for counted failures. */
function attempts(r: AuditRecord): SafeHtml | string {
  if (r.count <= 1 && r.client === null) return "";
  const times = r.count > 1 ? `× ${r.count} attempts` : "1 attempt";
  return html`<div class="hint attempts">${times}${r.client ? ` from ${r.client}` : ""}</div>`;
}

function challengeRow(r: AuditRecord): SafeHtml {
  return html`<tr>
  <td data-label="Time">${utcTime(r.occurredAt)}</td>
  <td data-label="User">${r.actor ?? html`<span class="hint">unknown</span>`}</td>
  <td data-label="FQDN" class="mono">${r.fqdn ?? "—"}</td>
  <td data-label="Action">${r.action}</td>
  <td data-label="Result">${outcomeBadge(r)}${attempts(r)}${r.detail ? html`<div class="hint">${r.detail}</div>` : ""}</td>
  <td data-label="Duration">${r.durationMs === null ? "—" : `${Math.round(r.durationMs)} ms`}</td>
  <td data-label="Commit" class="mono">${r.commitId ? html`<span title="${r.commitId}">${r.commitId.slice(0, 10)}</span>` : "—"}</td>
</tr>`;
}

function adminRow(r: AuditRecord): SafeHtml {
  return html`<tr>
  <td data-label="Time">${utcTime(r.occurredAt)}</td>
  <td data-label="Who">${r.actor ?? "—"}</td>
  <td data-label="What">${r.action}${r.outcome !== "ok" ? html` ${outcomeBadge(r)}` : ""}${attempts(r)}</td>
  <td data-label="Detail">${r.detail ?? ""}</td>
  <td data-label="Via">${r.source}</td>
</tr>`;
}

export function activityPage(ctx: PageContext, v: ActivityView): SafeHtml {
  const challenges = v.kind === "challenge";
  const first = v.total === 0 ? 0 : (v.page - 1) * v.pageSize + 1;
  const last = Math.min(v.total, v.page * v.pageSize);
  const tab = (kind: AuditKind, label: string) =>
    html`<a href="${ctx.base}/activity?${query(kind, {}, 1)}"${attr('aria-current="page"', v.kind === kind)}>${label}</a>`;
  const table = challenges
    ? html`<table class="stack" id="activity">
<caption>Challenges ${first}–${last} of ${v.total}, newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">User</th><th scope="col">FQDN</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">Duration</th><th scope="col">Commit</th></tr></thead>
<tbody>${v.records.map(challengeRow)}</tbody></table>`
    : html`<table class="stack" id="activity">
<caption>Changes ${first}–${last} of ${v.total}, newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Detail</th><th scope="col">Via</th></tr></thead>
<tbody>${v.records.map(adminRow)}</tbody></table>`;
  return page(
    ctx,
    "activity",
    "Activity",
    html`<nav class="tabs" aria-label="Activity kind">${tab("challenge", "Challenges")}${tab("admin", "Admin changes")}</nav>
<section class="card" aria-labelledby="filter-heading">
<h2 id="filter-heading">Filter</h2>
<form class="fields" method="get" action="${ctx.base}/activity" role="search">
  <input type="hidden" name="kind" value="${v.kind}">
  ${textField({ name: "user", label: "User", value: v.filter.user })}
  ${textField({ name: "domain", label: "Domain", value: v.filter.domain, hint: "Also matches names below it" })}
  ${
    challenges
      ? html`${selectField({
          name: "action",
          label: "Action",
          value: v.filter.action ?? "",
          options: [
            { value: "", label: "Any" },
            { value: "present", label: "present" },
            { value: "cleanup", label: "cleanup" },
            { value: "update", label: "update (acme-dns)" },
          ],
        })}${selectField({
          name: "outcome",
          label: "Result",
          value: v.filter.outcome ?? "",
          options: [{ value: "", label: "Any" }, ...OUTCOMES.map((o) => ({ value: o, label: o }))],
        })}`
      : ""
  }
  <button type="submit" class="secondary">Filter</button>
</form>
</section>
<section class="card" aria-label="Records">
${v.records.length === 0 ? html`<p class="empty">Nothing recorded${Object.values(v.filter).some(Boolean) ? " matches these filters" : " yet"}.</p>` : table}
<div class="pager">
  ${v.page > 1 ? html`<a class="button secondary" href="${ctx.base}/activity?${query(v.kind, v.filter, v.page - 1)}">← Newer</a>` : html`<span></span>`}
  ${last < v.total ? html`<a class="button secondary" href="${ctx.base}/activity?${query(v.kind, v.filter, v.page + 1)}">Older →</a>` : ""}
</div>
</section>`,
    v.error,
  );
}

const ACTIVITY_PAGE_SIZE = 50;

/** `/activity`: the audit trail, one page at a time, filtered. */
export function activityRoutes(router: Router, kit: PageKit): void {
  router.get(
    "/activity",
    wrap(async (req, res) => {
      const kind = queryText(req, "kind") === "admin" ? "admin" : "challenge";
      const filter = {
        user: queryText(req, "user"),
        domain: queryText(req, "domain").toLowerCase().replace(/\.$/, ""),
        action: kind === "challenge" ? queryText(req, "action") : "",
        outcome: kind === "challenge" ? queryText(req, "outcome") : "",
      };
      const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(queryText(req, "page") || "1", 10) || 1));
      const { total, records } = await kit.deps.audit.query(
        {
          kind,
          ...(filter.user ? { user: filter.user } : {}),
          ...(filter.domain ? { domain: filter.domain } : {}),
          ...(filter.action ? { action: filter.action } : {}),
          ...(filter.outcome ? { outcome: filter.outcome } : {}),
        },
        { limit: ACTIVITY_PAGE_SIZE, offset: (pageNo - 1) * ACTIVITY_PAGE_SIZE },
      );
      send(
        res,
        200,
        activityPage(kit.ctxOf(req, res), {
          kind,
          filter,
          page: pageNo,
          pageSize: ACTIVITY_PAGE_SIZE,
          total,
          records,
        }),
      );
    }),
  );
}
