import type { Request, Response, Router } from "express";
import type { LoginResult } from "../../auth/password-login.js";
import { AppError } from "../../errors.js";
import { parseCookies } from "../cookies.js";
import { tokensEqual } from "../csrf.js";
import { html, type SafeHtml } from "../html.js";
import { notices, plainPage } from "../layout.js";
import {
  formValue,
  LOGIN_CSRF_COOKIE,
  locals,
  type PageKit,
  queryText,
  SESSION_COOKIE,
  send,
  wrap,
} from "../page-kit.js";
import { randomToken } from "../sessions.js";
import { textField } from "./fields.js";

/** Django admin's wording: one message for every failure, so it reveals nothing about accounts. */
export const LOGIN_FAILED =
  "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.";

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

/** Only a path inside the admin pages is a valid place to return to after login. */
export function safeNext(base: string, next: string): string | undefined {
  if (!next.startsWith(`${base}/`) || next.includes("//") || next.includes("\\")) return undefined;
  return next;
}

/** `GET` and `POST /login`: open to everyone, so mounted before the session is required. */
export function loginRoutes(router: Router, kit: PageKit): void {
  const { base, cookie, record } = kit;

  function loginForm(
    req: Request,
    res: Response,
    status: number,
    view: { username?: string; next?: string; error?: string; notice?: string },
  ): void {
    let csrf = parseCookies(req.get("cookie")).get(LOGIN_CSRF_COOKIE);
    if (!csrf || csrf.length > 100) {
      csrf = randomToken();
      res.append("Set-Cookie", cookie(req, LOGIN_CSRF_COOKIE, csrf));
    }
    send(res, status, loginPage({ base: base(req), csrfToken: csrf, ...view }));
  }

  router.get("/login", (req, res) => {
    if (locals(res).session) {
      res.redirect(303, `${base(req)}/users`);
      return;
    }
    const next = safeNext(base(req), queryText(req, "next"));
    loginForm(req, res, 200, {
      ...(next ? { next } : {}),
      ...(queryText(req, "logged_out") ? { notice: "You have logged out." } : {}),
      ...(queryText(req, "expired") ? { notice: "Your session has ended: please log in again." } : {}),
    });
  });

  router.post(
    "/login",
    wrap(async (req, res) => {
      const username = formValue(req, "username");
      const password = formValue(req, "password");
      const next = safeNext(base(req), formValue(req, "next"));
      // An over-long name is not echoed back; PasswordLogin refuses it before any lookup.
      const view = { username: username.slice(0, 150), ...(next ? { next } : {}) };
      // Double-submit token: a login form posted from another site carries no matching cookie.
      const expected = parseCookies(req.get("cookie")).get(LOGIN_CSRF_COOKIE) ?? "";
      if (!tokensEqual(expected, formValue(req, "csrf_token"))) {
        loginForm(req, res, 403, { ...view, error: "This login form has expired. Please try again." });
        return;
      }
      const address = req.ip ?? "unknown";
      let result: LoginResult;
      try {
        result = await kit.deps.logins.check(username, password, address);
      } catch (err) {
        const retryAfter = err instanceof AppError ? err.details?.retryAfter : undefined;
        if (!(err instanceof AppError) || err.code !== "too_many_requests" || !retryAfter) throw err;
        // Counted with the other refused logins (docs/decisions/0711), so a brute force stays visible.
        record(view.username || "(empty)", "session.login", {
          outcome: "denied",
          status: 429,
          client: address,
          detail: "too many failed logins",
        });
        res.setHeader("Retry-After", retryAfter);
        loginForm(req, res, 429, { ...view, error: err.message });
        return;
      }
      const user = result.ok ? result.found.user : undefined;
      if (!user?.isStaff) {
        record(view.username || "(empty)", "session.login", {
          outcome: "denied",
          status: 401,
          client: address,
          detail: result.ok
            ? "not a staff account"
            : result.reason === "inactive"
              ? "inactive account"
              : "wrong username or password",
        });
        loginForm(req, res, 401, { ...view, error: LOGIN_FAILED });
        return;
      }
      const { token } = await kit.sessions.create(user.id, kit.now());
      res.append("Set-Cookie", cookie(req, SESSION_COOKIE, token));
      res.append("Set-Cookie", cookie(req, LOGIN_CSRF_COOKIE, "", 0));
      record(user.username, "session.login", { detail: `logged in from ${address}` });
      res.redirect(303, next ?? `${base(req)}/users`);
    }),
  );
}

/** `POST /logout`: mounted behind the session and CSRF checks. */
export function logoutRoute(router: Router, kit: PageKit): void {
  router.post(
    "/logout",
    wrap(async (req, res) => {
      const session = locals(res).session;
      if (session) await kit.sessions.destroy(session.id);
      res.append("Set-Cookie", kit.cookie(req, SESSION_COOKIE, "", 0));
      kit.record(kit.actor(res), "session.logout", { detail: "logged out" });
      res.redirect(303, `${kit.base(req)}/login?logged_out=1`);
    }),
  );
}
