import type { Request, Response, Router } from "express";
import type { PermissionRow } from "../../db/grants-repo.js";
import { toAppError } from "../../errors.js";
import { html, type SafeHtml } from "../html.js";
import { csrfField, type PageContext, page } from "../layout.js";
import { formValue, type PageKit, queryText, send, wrap } from "../page-kit.js";
import { selectField, textField } from "./fields.js";

export interface GrantFilter {
  readonly user?: string;
  readonly domain?: string;
  readonly level?: "" | "domain" | "subdomain";
}

export interface GrantForm {
  readonly username?: string;
  readonly level?: "domain" | "subdomain";
  readonly domains?: string;
  readonly errors?: { readonly username?: string; readonly domains?: string };
}

export interface GrantsView {
  readonly permissions: readonly PermissionRow[];
  readonly usernames: readonly string[];
  readonly filter: GrantFilter;
  readonly form?: GrantForm;
  readonly error?: string;
}

const LEVELS = [
  { value: "subdomain", label: "Subdomain (and all below)" },
  { value: "domain", label: "Domain (exact name)" },
];

/** Which grants the list shows: exact user, domain by substring, level. */
export function filterGrants(rows: readonly PermissionRow[], f: GrantFilter): PermissionRow[] {
  const domain = f.domain?.trim().toLowerCase();
  return rows.filter(
    (p) =>
      (!f.user || p.username === f.user.trim()) &&
      (!domain || p.fqdn.includes(domain)) &&
      (!f.level || p.accessLevel === f.level),
  );
}

function grantRow(ctx: PageContext, p: PermissionRow): SafeHtml {
  return html`<tr>
  <td data-label="User"><strong>${p.username}</strong></td>
  <td data-label="Domain" class="mono">${p.fqdn}</td>
  <td data-label="Access">${p.accessLevel === "subdomain" ? html`subdomain <span class="hint">(and below)</span>` : "domain"}</td>
  <td data-label="Actions"><form method="post" action="${ctx.base}/grants">
    ${csrfField(ctx.csrfToken)}
    <input type="hidden" name="op" value="revoke">
    <input type="hidden" name="username" value="${p.username}">
    <input type="hidden" name="level" value="${p.accessLevel}">
    <input type="hidden" name="domains" value="${p.fqdn}">
    <button type="submit" class="small danger" aria-label="Revoke ${p.accessLevel} access to ${p.fqdn} from ${p.username}">Revoke</button>
  </form></td>
</tr>`;
}

export function grantsPage(ctx: PageContext, v: GrantsView): SafeHtml {
  const f = v.form ?? {};
  const rows = filterGrants(v.permissions, v.filter);
  return page(
    ctx,
    "grants",
    "Domains & grants",
    html`<section class="card" aria-labelledby="grant-heading">
<h2 id="grant-heading">Grant or revoke access</h2>
<form class="fields" method="post" action="${ctx.base}/grants" novalidate>
  ${csrfField(ctx.csrfToken)}
  ${textField({ name: "username", label: "User", value: f.username, required: true, list: "known-users", error: f.errors?.username, autocomplete: "off" })}
  <datalist id="known-users">${v.usernames.map((u) => html`<option value="${u}">`)}</datalist>
  ${selectField({ name: "level", label: "Access", value: f.level ?? "subdomain", options: LEVELS })}
  ${textField({
    name: "domains",
    label: "Domains",
    value: f.domains,
    required: true,
    error: f.errors?.domains,
    hint: "One or more, separated by commas, e.g. example.com, example.org",
    autocomplete: "off",
  })}
  <div class="actions">
    <button type="submit" name="op" value="grant">Grant</button>
    <button type="submit" name="op" value="revoke" class="danger">Revoke</button>
  </div>
</form>
<p class="hint">The user may then present <span class="mono">_acme-challenge.&lt;name&gt;</span> records: for a domain grant only that exact name, for a subdomain grant also every name below it.</p>
</section>
<section class="card" aria-labelledby="grants-heading">
<h2 id="grants-heading">Current grants</h2>
<form class="fields" method="get" action="${ctx.base}/grants" role="search">
  ${textField({ name: "user", label: "User", value: v.filter.user, idPrefix: "filter-", list: "known-users" })}
  ${textField({ name: "domain", label: "Domain contains", value: v.filter.domain, idPrefix: "filter-" })}
  ${selectField({
    name: "level",
    label: "Access",
    value: v.filter.level ?? "",
    idPrefix: "filter-",
    options: [
      { value: "", label: "Any" },
      { value: "domain", label: "Domain" },
      { value: "subdomain", label: "Subdomain" },
    ],
  })}
  <button type="submit" class="secondary">Filter</button>
</form>
${
  rows.length === 0
    ? html`<p class="empty">No grants${v.filter.user || v.filter.domain || v.filter.level ? " match these filters" : " yet"}.</p>`
    : html`<table class="stack">
<caption>${rows.length} grant${rows.length === 1 ? "" : "s"}</caption>
<thead><tr><th scope="col">User</th><th scope="col">Domain</th><th scope="col">Access</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.map((p) => grantRow(ctx, p))}</tbody>
</table>`
}
</section>`,
    v.error,
  );
}

/** `/grants`: the list with its filter, and granting or revoking domains for a user. */
export function grantsRoutes(router: Router, kit: PageKit): void {
  const { accounts } = kit;

  const renderGrants = async (
    req: Request,
    res: Response,
    status: number,
    form?: GrantForm,
    error?: string,
  ) => {
    const [permissions, users] = await Promise.all([
      accounts.grants.listPermissions(),
      accounts.users.list(),
    ]);
    const level = queryText(req, "level");
    send(
      res,
      status,
      grantsPage(kit.ctxOf(req, res), {
        permissions,
        usernames: users.map((u) => u.username).sort(),
        filter: {
          user: queryText(req, "user"),
          domain: queryText(req, "domain"),
          level: level === "domain" || level === "subdomain" ? level : "",
        },
        ...(form ? { form } : {}),
        ...(error ? { error } : {}),
      }),
    );
  };

  router.get(
    "/grants",
    wrap((req, res) => renderGrants(req, res, 200)),
  );

  router.post(
    "/grants",
    wrap(async (req, res) => {
      const username = formValue(req, "username").trim();
      const level = formValue(req, "level") === "domain" ? "domain" : "subdomain";
      const raw = formValue(req, "domains");
      const op = formValue(req, "op") === "revoke" ? "revoke" : "grant";
      const domains = raw
        .split(/[\s,]+/)
        .map((d) => d.trim())
        .filter((d) => d !== "");
      const form: GrantForm = { username, level, domains: raw };
      if (username === "" || domains.length === 0) {
        await renderGrants(req, res, 400, {
          ...form,
          errors: {
            ...(username === "" ? { username: "Enter the user's name." } : {}),
            ...(domains.length === 0 ? { domains: "Enter at least one domain." } : {}),
          },
        });
        return;
      }
      const request = level === "domain" ? { domains, subdomains: [] } : { domains: [], subdomains: domains };
      let message: string;
      try {
        if (op === "grant") {
          const r = await accounts.allowDomains(username, request);
          // The CLI's own words, plus what the web page can add.
          message = `Successfully granted access to all domains.${r.alreadyHeld > 0 ? ` (${r.alreadyHeld} already held)` : ""}`;
        } else {
          await accounts.revokeDomains(username, request);
          message = "Successfully revoked access to all domains.";
        }
      } catch (err) {
        const e = toAppError(err);
        if (e.code === "internal") throw err;
        // The error names the field it is about; anything else is shown beside the domains.
        await renderGrants(req, res, e.status, {
          ...form,
          errors: e.details?.field === "username" ? { username: e.message } : { domains: e.message },
        });
        return;
      }
      for (const fqdn of domains.map((d) => d.toLowerCase().replace(/\.$/, ""))) {
        kit.record(kit.actor(res), op === "grant" ? "grant.create" : "grant.revoke", {
          target: username,
          fqdn,
          detail: `${op === "grant" ? "granted" : "revoked"} ${level} access to ${fqdn} ${op === "grant" ? "to" : "from"} ${username}`,
        });
      }
      await kit.flashAndRedirect(req, res, "/grants", message);
    }),
  );
}
