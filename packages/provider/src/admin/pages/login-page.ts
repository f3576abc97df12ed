import { html, type SafeHtml } from "../html.js";
import { notices, plainPage } from "../layout.js";
import { textField } from "./fields.js";

export interface LoginView {
  readonly base: string;
  readonly csrfToken: string;
  readonly username?: string;
  readonly next?: string;
  readonly error?: string;
  readonly notice?: string;
}

export function loginPage(v: LoginView): SafeHtml {
  return plainPage(
    v.base,
    "Log in",
    html`<section class="card">
<h1>Log in</h1>
<p class="hint">DNS challenge admin: staff accounts only.</p>
${notices(v.notice, v.error)}
<form class="fields" method="post" action="${v.base}/login">
  <input type="hidden" name="csrf_token" value="${v.csrfToken}">
  ${v.next ? html`<input type="hidden" name="next" value="${v.next}">` : ""}
  ${textField({ name: "username", label: "Username", value: v.username, required: true, autocomplete: "username" })}
  ${textField({ name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password" })}
  <button type="submit">Log in</button>
</form>
</section>`,
  );
}
