import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { Knex } from "knex";
import type { Logger } from "pino";
import { Accounts, checkUsername } from "../accounts.js";
import { adminEntry } from "../audit/audit-entry.js";
import type { AuditLog } from "../audit/audit-log.js";
import { generatePassword, hashPassword } from "../auth/django-password.js";
import type { LoginResult, PasswordLogin } from "../auth/password-login.js";
import type { UserRow } from "../db/users-repo.js";
import { AppError, toAppError } from "../errors.js";
import { toResponseError } from "../http/client-errors.js";
import { parseCookies, serializeCookie } from "./cookies.js";
import { submittedToken, tokensEqual } from "./csrf.js";
import { html, type SafeHtml } from "./html.js";
import { type PageContext, page, plainPage } from "./layout.js";
import { activityPage } from "./pages/activity-page.js";
import { type GrantForm, grantsPage } from "./pages/grants-page.js";
import { loginPage } from "./pages/login-page.js";
import { type NewUserForm, usersPage } from "./pages/users-page.js";
import { type AdminSession, randomToken, type SessionPolicy, SessionStore } from "./sessions.js";
import { ADMIN_CSS } from "./styles.js";

export const SESSION_COOKIE = "hlp_admin_session";
export const LOGIN_CSRF_COOKIE = "hlp_admin_login_csrf";
const ACTIVITY_PAGE_SIZE = 50;

/** Django admin's wording: one message for every failure, so it reveals nothing about accounts. */
export const LOGIN_FAILED =
  "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.";

export interface AdminUiDeps {
  readonly knex: Knex;
  readonly audit: AuditLog;
  /** Shared with Basic auth and the token endpoint, so all login routes count towards one limit. */
  readonly logins: PasswordLogin;
  readonly logger: Logger;
  readonly sessionPolicy?: SessionPolicy;
  readonly now?: () => Date;
  /**
   * The path clients see in front of the service (APP_BASE_URL's, e.g. `/model-app` behind an
   * ingress that strips it): every link, redirect and cookie path starts with it.
   */
  readonly pathPrefix?: string;
}

export interface AdminUi {
  readonly router: Router;
  readonly sessions: SessionStore;
}

interface AdminLocals {
  session?: AdminSession;
  user?: UserRow;
  notice?: string;
}

const locals = (res: Response): AdminLocals => res.locals as AdminLocals;

function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : "";
}

function queryText(req: Request, name: string): string {
  const v = req.query[name];
  return typeof v === "string" ? v.trim() : "";
}

function send(res: Response, status: number, body: SafeHtml): void {
  res.status(status).type("html").send(body.value);
}

/** Only a path inside the admin pages is a valid place to return to after login. */
export function safeNext(base: string, next: string): string | undefined {
  if (!next.startsWith(`${base}/`) || next.includes("//") || next.includes("\\")) return undefined;
  return next;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The admin pages: server-rendered HTML and plain forms (no script at all), a database-backed
 * session cookie, a CSRF token in every form. Mount at `/admin`.
 */
export function createAdminUi(deps: AdminUiDeps): AdminUi {
  const now = deps.now ?? (() => new Date());
  const accounts = new Accounts(deps.knex);
  const sessions = new SessionStore(deps.knex, deps.sessionPolicy);
  const router = express.Router();
  const pathPrefix = deps.pathPrefix ?? "";
  /** Where the admin pages are as the browser sees them: `/model-app/admin`. */
  const base = (req: Request): string => `${pathPrefix}${req.baseUrl}`;
  const wrap =
    (h: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      h(req, res).catch(next);

  const record = (
    actor: string,
    action: string,
    fields: {
      target?: string;
      fqdn?: string;
      detail: string;
      outcome?: string;
      status?: number;
      client?: string;
    },
  ) => deps.audit.record(adminEntry({ source: "admin-ui", actor, action, ...fields }));

  // `req.secure` honours X-Forwarded-Proto only from the proxies the app trusts.
  const cookie = (req: Request, name: string, value: string, maxAgeSeconds?: number) =>
    serializeCookie(name, value, {
      path: base(req) || "/",
      secure: req.secure,
      ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    });

  router.use((_req, res, next) => {
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  router.get("/static/admin.css", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=3600");
    res.type("css").send(ADMIN_CSS);
  });

  router.use(express.urlencoded({ extended: false, limit: "32kb", parameterLimit: 50 }));

  // Session: a live session of a user who is still active and staff, or none.
  router.use((req, res, next) => {
    (async () => {
      const token = parseCookies(req.get("cookie")).get(SESSION_COOKIE);
      if (!token) return;
      const session = await sessions.load(token, now());
      if (!session) return;
      const user = await accounts.users.findById(session.userId);
      if (!user?.isActive || !user.isStaff) {
        await sessions.destroy(session.id);
        return;
      }
      locals(res).session = session;
      locals(res).user = user;
      if (session.flash && req.method === "GET") {
        locals(res).notice = session.flash;
        await sessions.setFlash(session.id, null);
      }
    })().then(() => next(), next);
  });

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
      const username = field(req, "username");
      const password = field(req, "password");
      const next = safeNext(base(req), field(req, "next"));
      // An over-long name is not echoed back; PasswordLogin refuses it before any lookup.
      const view = { username: username.slice(0, 150), ...(next ? { next } : {}) };
      // Double-submit token: a login form posted from another site carries no matching cookie.
      const expected = parseCookies(req.get("cookie")).get(LOGIN_CSRF_COOKIE) ?? "";
      if (!tokensEqual(expected, field(req, "csrf_token"))) {
        loginForm(req, res, 403, { ...view, error: "This login form has expired. Please try again." });
        return;
      }
      const address = req.ip ?? "unknown";
      let result: LoginResult;
      try {
        result = await deps.logins.check(username, password, address);
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
      const { token } = await sessions.create(user.id, now());
      res.append("Set-Cookie", cookie(req, SESSION_COOKIE, token));
      res.append("Set-Cookie", cookie(req, LOGIN_CSRF_COOKIE, "", 0));
      record(user.username, "session.login", { detail: `logged in from ${address}` });
      res.redirect(303, next ?? `${base(req)}/users`);
    }),
  );

  // Everything below needs a session.
  router.use((req, res, next) => {
    if (locals(res).session) {
      next();
      return;
    }
    if (req.method === "GET" || req.method === "HEAD") {
      const hadCookie = parseCookies(req.get("cookie")).has(SESSION_COOKIE);
      const params = new URLSearchParams({ next: `${pathPrefix}${req.originalUrl}` });
      if (hadCookie) params.set("expired", "1");
      res.redirect(303, `${base(req)}/login?${params.toString()}`);
      return;
    }
    send(
      res,
      401,
      plainPage(
        base(req),
        "Not logged in",
        html`<section class="card"><h1>Not logged in</h1><p class="alert" role="alert">Your session has ended or you never logged in, so nothing was changed.</p><p><a href="${base(req)}/login">Log in</a></p></section>`,
      ),
    );
  });

  const ctxOf = (req: Request, res: Response): PageContext => {
    const l = locals(res);
    if (!l.session || !l.user) throw new Error("page rendered without a session");
    return { base: base(req), csrfToken: l.session.csrfToken, username: l.user.username, notice: l.notice };
  };
  const actor = (res: Response): string => locals(res).user?.username ?? "";

  // CSRF: every state-changing request carries the session's token.
  router.use((req, res, next) => {
    if (["GET", "HEAD", "OPTIONS"].includes(req.method)) {
      next();
      return;
    }
    const session = locals(res).session;
    if (session && tokensEqual(session.csrfToken, submittedToken(req))) {
      next();
      return;
    }
    deps.logger.warn(
      { path: req.path, user: actor(res) },
      "admin: request without a valid CSRF token refused",
    );
    send(
      res,
      403,
      page(
        ctxOf(req, res),
        "users",
        "Request refused",
        html`<p><a href="${base(req)}/users">Back to the admin pages</a></p>`,
        "This form was missing its security token or the token was stale, so nothing was changed. Reload the page and try again.",
      ),
    );
  });

  const flashAndRedirect = async (req: Request, res: Response, path: string, message: string) => {
    const session = locals(res).session;
    if (session) await sessions.setFlash(session.id, message);
    res.redirect(303, `${base(req)}${path}`);
  };

  router.get("/", (req, res) => res.redirect(303, `${base(req)}/users`));

  router.post(
    "/logout",
    wrap(async (req, res) => {
      const session = locals(res).session;
      if (session) await sessions.destroy(session.id);
      res.append("Set-Cookie", cookie(req, SESSION_COOKIE, "", 0));
      record(actor(res), "session.logout", { detail: "logged out" });
      res.redirect(303, `${base(req)}/login?logged_out=1`);
    }),
  );

  // Users
  const renderUsers = async (
    req: Request,
    res: Response,
    status: number,
    extra: {
      form?: NewUserForm;
      newPassword?: { username: string; password: string; created: boolean };
      error?: string;
    } = {},
  ) => {
    const users = await accounts.users.list();
    const search = queryText(req, "q");
    send(res, status, usersPage(ctxOf(req, res), { users, ...(search ? { search } : {}), ...extra }));
  };

  router.get(
    "/users",
    wrap((req, res) => renderUsers(req, res, 200)),
  );

  router.post(
    "/users",
    wrap(async (req, res) => {
      const username = field(req, "username").trim();
      const email = field(req, "email").trim();
      const staff = field(req, "is_staff") === "1";
      const form: NewUserForm = { username, email, staff };
      const errors: { username?: string; email?: string } = {};
      try {
        checkUsername(username);
      } catch (err) {
        errors.username = toAppError(err).message;
      }
      if (email !== "" && (email.length > 254 || !EMAIL.test(email)))
        errors.email = "Enter a valid email address.";
      if (!errors.username && (await accounts.users.findByUsername(username)))
        errors.username = "A user with that username already exists.";
      if (errors.username || errors.email) {
        await renderUsers(req, res, 400, { form: { ...form, errors } });
        return;
      }
      const password = generatePassword();
      const user = await accounts.users.create({
        username,
        password: await hashPassword(password),
        email,
        isStaff: staff,
        isSuperuser: staff,
      });
      record(actor(res), "user.create", {
        target: user.username,
        detail: `created user ${user.username}${staff ? " (staff)" : ""}${email ? ` <${email}>` : ""}`,
      });
      await renderUsers(req, res, 201, { newPassword: { username: user.username, password, created: true } });
    }),
  );

  const targetUser = async (req: Request): Promise<UserRow> => {
    const id = Number(req.params.id);
    const user = Number.isSafeInteger(id) && id > 0 ? await accounts.users.findById(id) : undefined;
    if (!user) throw new AppError("not_found", "This user no longer exists.");
    return user;
  };

  router.post(
    "/users/:id/password",
    wrap(async (req, res) => {
      const user = await targetUser(req);
      const password = generatePassword();
      await accounts.users.update(user.id, { password: await hashPassword(password) });
      // Whoever knew the old password may hold a session too.
      await sessions.destroyForUser(user.id, locals(res).session?.id);
      record(actor(res), "user.password_reset", {
        target: user.username,
        detail: `reset the password of ${user.username}`,
      });
      await renderUsers(req, res, 200, {
        newPassword: { username: user.username, password, created: false },
      });
    }),
  );

  router.post(
    "/users/:id/staff",
    wrap(async (req, res) => {
      const user = await targetUser(req);
      const staff = field(req, "staff") === "1";
      if (user.username === actor(res) && !staff)
        throw new AppError("bad_request", "You cannot remove your own staff flag: ask another staff user.");
      await accounts.users.update(user.id, { isStaff: staff });
      const detail = staff ? `made ${user.username} staff` : `removed the staff flag of ${user.username}`;
      record(actor(res), "user.staff", { target: user.username, detail });
      await flashAndRedirect(req, res, "/users", `${detail[0]?.toUpperCase()}${detail.slice(1)}.`);
    }),
  );

  router.post(
    "/users/:id/active",
    wrap(async (req, res) => {
      const user = await targetUser(req);
      const active = field(req, "active") === "1";
      if (user.username === actor(res) && !active)
        throw new AppError("bad_request", "You cannot deactivate your own account: ask another staff user.");
      await accounts.users.update(user.id, { isActive: active });
      if (!active) await sessions.destroyForUser(user.id);
      record(actor(res), active ? "user.reactivate" : "user.deactivate", {
        target: user.username,
        detail: `${active ? "reactivated" : "deactivated"} ${user.username}`,
      });
      await flashAndRedirect(
        req,
        res,
        "/users",
        active
          ? `Reactivated ${user.username}.`
          : `Deactivated ${user.username}: its password and grants no longer work.`,
      );
    }),
  );

  // Domains and grants
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
      grantsPage(ctxOf(req, res), {
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
      const username = field(req, "username").trim();
      const level = field(req, "level") === "domain" ? "domain" : "subdomain";
      const raw = field(req, "domains");
      const op = field(req, "op") === "revoke" ? "revoke" : "grant";
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
        const userMissing = e.message.startsWith("User ");
        await renderGrants(req, res, e.status, {
          ...form,
          errors: userMissing ? { username: e.message } : { domains: e.message },
        });
        return;
      }
      for (const fqdn of domains.map((d) => d.toLowerCase().replace(/\.$/, ""))) {
        record(actor(res), op === "grant" ? "grant.create" : "grant.revoke", {
          target: username,
          fqdn,
          detail: `${op === "grant" ? "granted" : "revoked"} ${level} access to ${fqdn} ${op === "grant" ? "to" : "from"} ${username}`,
        });
      }
      await flashAndRedirect(req, res, "/grants", message);
    }),
  );

  // Activity
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
      const { total, records } = await deps.audit.query(
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
        activityPage(ctxOf(req, res), {
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

  router.use((req, res) => {
    send(
      res,
      404,
      page(
        ctxOf(req, res),
        "users",
        "Not found",
        html`<p><a href="${base(req)}/users">Back to users</a></p>`,
        `No admin page at ${req.originalUrl}.`,
      ),
    );
  });

  // Errors as pages, never JSON or stack traces.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = toResponseError(err);
    if (e.status >= 500) deps.logger.error({ err, path: req.path }, "admin page failed");
    const message =
      e.status >= 500 ? "Something went wrong; the error has been logged. Please try again." : e.message;
    const signedIn = locals(res).session !== undefined;
    send(
      res,
      e.status,
      signedIn
        ? page(
            ctxOf(req, res),
            "users",
            "Error",
            html`<p><a href="${base(req)}/users">Back to users</a></p>`,
            message,
          )
        : plainPage(
            base(req),
            "Error",
            html`<section class="card"><h1>Error</h1><p class="alert" role="alert">${message}</p></section>`,
          ),
    );
  });

  return { router, sessions };
}
