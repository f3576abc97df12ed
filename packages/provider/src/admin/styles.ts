/**
 * The admin pages' only stylesheet, served from /admin/static/admin.css: no build step, no CDN,
 * system fonts only (deployments are often offline). Tables turn into stacked cards on phones.
 */
export const ADMIN_CSS = `
:root { --fg:#1d1d1f; --muted:#5b5b66; --bg:#f6f6f8; --card:#fff; --line:#d8d8df; --accent:#0b5cad;
  --ok:#176b2c; --ok-bg:#e5f4e8; --bad:#a4161a; --bad-bg:#fbe9ea; --warn-bg:#fff6db; --focus:#ffbf47; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, Cantarell, "Noto Sans", sans-serif;
  font-size: 100%; line-height: 1.45; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--card); padding: .5rem 1rem; z-index: 10; }
header.top { background: #1f2a37; color: #fff; display: flex; flex-wrap: wrap; align-items: center;
  gap: .5rem 1.5rem; padding: .6rem 1rem; }
header.top .brand { font-weight: 700; margin-right: auto; }
header.top nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem; }
header.top nav a { color: #fff; text-decoration: none; padding: .4rem .7rem; border-radius: 6px; display: inline-block; }
header.top nav a:hover { background: #334155; }
header.top nav a[aria-current="page"] { background: #fff; color: #1f2a37; }
header.top form { margin: 0; display: flex; align-items: center; gap: .5rem; }
header.top .who { color: #cbd5e1; font-size: .9rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem;
  margin-bottom: 1.25rem; }
.notice, .alert, .secret { border-radius: 8px; padding: .75rem 1rem; margin-bottom: 1rem; white-space: pre-line; }
.notice { background: var(--ok-bg); color: var(--ok); border: 1px solid #a9d8b4; }
.alert { background: var(--bad-bg); color: var(--bad); border: 1px solid #eeb4b7; }
.secret { background: var(--warn-bg); border: 1px solid #ecd27a; white-space: normal; }
.secret code { font-size: 1.15rem; user-select: all; word-break: break-all; background: #fff; padding: .15rem .4rem;
  border-radius: 4px; border: 1px solid var(--line); }
form.fields { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-start; }
form.fields > button, form.fields > .actions { margin-top: 1.75rem; }
.field { display: flex; flex-direction: column; gap: .25rem; min-width: 12rem; flex: 1 1 12rem; }
.field.check { flex-direction: row; align-items: center; min-width: 0; flex: 0 1 auto; margin-top: 2.4rem; }
label { font-weight: 600; font-size: .95rem; }
.hint { color: var(--muted); font-size: .85rem; }
.field-error { color: var(--bad); font-size: .9rem; font-weight: 600; white-space: pre-line; }
input[type=text], input[type=password], input[type=email], input[type=search], select {
  font: inherit; padding: .5rem .6rem; border: 1px solid #9a9aa6; border-radius: 6px; background: #fff; width: 100%;
  min-height: 2.6rem; }
input[aria-invalid=true] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
input[type=checkbox] { width: 1.2rem; height: 1.2rem; margin: 0 .4rem 0 0; }
button, .button { font: inherit; font-weight: 600; border: 1px solid var(--accent); background: var(--accent); color: #fff;
  border-radius: 6px; padding: .5rem .9rem; min-height: 2.6rem; cursor: pointer; text-decoration: none;
  display: inline-flex; align-items: center; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
button.small { padding: .25rem .6rem; min-height: 2.2rem; font-size: .9rem; }
header.top button { background: transparent; border-color: #94a3b8; color: #fff; min-height: 2.2rem; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; }
.actions form { margin: 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
caption { text-align: left; color: var(--muted); padding: .25rem 0 .5rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9rem;
  word-break: break-all; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600;
  background: #eceef2; color: #333; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.tabs { display: flex; gap: .5rem; margin-bottom: 1rem; flex-wrap: wrap; }
.tabs a { padding: .4rem .8rem; border: 1px solid var(--line); border-radius: 6px; text-decoration: none; background: #fff; }
.tabs a[aria-current="page"] { background: var(--accent); color: #fff; border-color: var(--accent); }
.pager { display: flex; gap: 1rem; align-items: center; justify-content: space-between; margin-top: .75rem; flex-wrap: wrap; }
.empty { color: var(--muted); padding: 1rem 0; }
.login { max-width: 24rem; margin: 3rem auto; }
.login form.fields { flex-direction: column; align-items: stretch; }
.login .field { flex: 0 0 auto; }
.login form.fields > button { margin-top: .5rem; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  .field.check, form.fields > button, form.fields > .actions { margin-top: 0; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .75rem; padding: .25rem .5rem; background: var(--card); }
  table.stack td { border: 0; padding: .3rem 0; display: grid; grid-template-columns: 7rem 1fr; gap: .5rem; }
  table.stack td > * { grid-column: 2; justify-self: start; }
  table.stack caption { display: block; }
  table.stack td::before { content: attr(data-label); font-family: system-ui, sans-serif; font-weight: 600; color: var(--muted); font-size: .85rem; }
  .field { min-width: 100%; }
}
`;
