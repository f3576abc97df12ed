import { attr, html, type SafeHtml } from "./html.js";

export type Section = "users" | "grants" | "activity";

/** What every signed-in page needs. */
export interface PageContext {
  /** Where the admin pages are mounted, e.g. "/admin". */
  readonly base: string;
  readonly csrfToken: string;
  readonly username: string;
  /** One-time notice after a change (Post/Redirect/Get). */
  readonly notice?: string | undefined;
}

const SECTIONS: { id: Section; label: string }[] = [
  { id: "users", label: "Users" },
  { id: "grants", label: "Domains & grants" },
  { id: "activity", label: "Activity" },
];

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf_token" value="${token}">`;
}

function document(base: string, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · httprequest-lego-provider admin</title>
<link rel="stylesheet" href="${base}/static/admin.css">
</head>
<body>
${body}
</body>
</html>`;
}

export function notices(notice: string | undefined, error: string | undefined): SafeHtml {
  return html`${notice ? html`<div class="notice" role="status">${notice}</div>` : ""}${
    error ? html`<div class="alert" role="alert">${error}</div>` : ""
  }`;
}

/** The frame of a signed-in page: skip link, navigation, logout, main landmark. */
export function page(
  ctx: PageContext,
  section: Section,
  title: string,
  content: SafeHtml,
  error?: string,
): SafeHtml {
  const nav = SECTIONS.map(
    (s) =>
      html`<li><a href="${ctx.base}/${s.id}"${attr('aria-current="page"', s.id === section)}>${s.label}</a></li>`,
  );
  return document(
    ctx.base,
    title,
    html`<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">DNS challenge admin</span>
  <nav aria-label="Main"><ul>${nav}</ul></nav>
  <form method="post" action="${ctx.base}/logout">
    ${csrfField(ctx.csrfToken)}
    <span class="who">Signed in as <strong>${ctx.username}</strong></span>
    <button type="submit">Log out</button>
  </form>
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${notices(ctx.notice, error)}
${content}
</main>`,
  );
}

/** A page outside the signed-in frame (login, errors for anonymous visitors). */
export function plainPage(base: string, title: string, content: SafeHtml): SafeHtml {
  return document(base, title, html`<main id="main" class="login">${content}</main>`);
}
