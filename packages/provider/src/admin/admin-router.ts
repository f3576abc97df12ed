import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { Accounts } from "../accounts.js";
import { toResponseError } from "../http/client-errors.js";
import { parseCookies } from "./cookies.js";
import { submittedToken, tokensEqual } from "./csrf.js";
import { html } from "./html.js";
import { page, plainPage } from "./layout.js";
import { type AdminUiDeps, createPageKit, locals, SESSION_COOKIE, send } from "./page-kit.js";
import { activityRoutes } from "./pages/activity-page.js";
import { grantsRoutes } from "./pages/grants-page.js";
import { loginRoutes, logoutRoute } from "./pages/login-page.js";
import { usersRoutes } from "./pages/users-page.js";
import { SessionStore } from "./sessions.js";
import { ADMIN_CSS } from "./styles.js";

export { type AdminUiDeps, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from "./page-kit.js";
export { LOGIN_FAILED, safeNext } from "./pages/login-page.js";

export interface AdminUi {
  readonly router: Router;
  readonly sessions: SessionStore;
}

/**
 * The admin pages: server-rendered HTML and plain forms (no script at all), a database-backed
 * session cookie, a CSRF token in every form. Mount at `/admin`. This router holds what every
 * page shares (headers, session, CSRF, errors); each page's routes are in its module under
 * `pages/`.
 */
export function createAdminUi(deps: AdminUiDeps): AdminUi {
  const accounts = new Accounts(deps.knex);
  const sessions = new SessionStore(deps.knex, deps.sessionPolicy);
  const kit = createPageKit(deps, accounts, sessions);
  const { base, ctxOf } = kit;
  const router = express.Router();

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
      const session = await sessions.load(token, kit.now());
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

  loginRoutes(router, kit);

  // Everything below needs a session.
  router.use((req, res, next) => {
    if (locals(res).session) {
      next();
      return;
    }
    if (req.method === "GET" || req.method === "HEAD") {
      const hadCookie = parseCookies(req.get("cookie")).has(SESSION_COOKIE);
      const params = new URLSearchParams({ next: `${deps.pathPrefix ?? ""}${req.originalUrl}` });
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
      { path: req.path, user: kit.actor(res) },
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

  router.get("/", (req, res) => res.redirect(303, `${base(req)}/users`));

  logoutRoute(router, kit);
  usersRoutes(router, kit);
  grantsRoutes(router, kit);
  activityRoutes(router, kit);

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
    // An outage is no bug: say what it is rather than "something went wrong".
    const message =
      e.status >= 500 && e.code !== "database_unavailable"
        ? "Something went wrong; the error has been logged. Please try again."
        : e.message;
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
