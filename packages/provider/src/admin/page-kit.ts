/**
 * What the admin pages' handlers share: the services behind them, the session in
 * `res.locals`, and the small request and response helpers every page uses.
 */
import type { NextFunction, Request, Response } from "express";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Accounts } from "../accounts.js";
import { adminEntry } from "../audit/audit-entry.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { PasswordLogin } from "../auth/password-login.js";
import type { UserRow } from "../db/users-repo.js";
import { serializeCookie } from "./cookies.js";
import type { SafeHtml } from "./html.js";
import type { PageContext } from "./layout.js";
import type { AdminSession, SessionPolicy, SessionStore } from "./sessions.js";

export const SESSION_COOKIE = "hlp_admin_session";
export const LOGIN_CSRF_COOKIE = "hlp_admin_login_csrf";

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

export interface AdminLocals {
  session?: AdminSession;
  user?: UserRow;
  notice?: string;
}

export const locals = (res: Response): AdminLocals => res.locals as AdminLocals;

/** A submitted form field, or "" when absent. */
export function formValue(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : "";
}

/** A query parameter, trimmed, or "" when absent. */
export function queryText(req: Request, name: string): string {
  const v = req.query[name];
  return typeof v === "string" ? v.trim() : "";
}

export function send(res: Response, status: number, body: SafeHtml): void {
  res.status(status).type("html").send(body.value);
}

/** An async handler whose failures reach the router's error handler. */
export const wrap =
  (h: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction): Promise<void> =>
    h(req, res).catch(next);

/** What an audit entry of the admin pages says besides its actor and action. */
export interface AdminRecordFields {
  target?: string;
  fqdn?: string;
  detail: string;
  outcome?: string;
  status?: number;
  client?: string;
}

export interface PageKit {
  readonly deps: AdminUiDeps;
  readonly accounts: Accounts;
  readonly sessions: SessionStore;
  readonly now: () => Date;
  /** Where the admin pages are as the browser sees them: `/model-app/admin`. */
  base(req: Request): string;
  /** A cookie scoped to the admin pages. */
  cookie(req: Request, name: string, value: string, maxAgeSeconds?: number): string;
  record(actor: string, action: string, fields: AdminRecordFields): void;
  /** The signed-in page's context (throws when there is no session). */
  ctxOf(req: Request, res: Response): PageContext;
  /** The signed-in user's name, or "". */
  actor(res: Response): string;
  /** Post/Redirect/Get: the message is shown once on the next page. */
  flashAndRedirect(req: Request, res: Response, path: string, message: string): Promise<void>;
}

export function createPageKit(deps: AdminUiDeps, accounts: Accounts, sessions: SessionStore): PageKit {
  const pathPrefix = deps.pathPrefix ?? "";
  const base = (req: Request): string => `${pathPrefix}${req.baseUrl}`;
  return {
    deps,
    accounts,
    sessions,
    now: deps.now ?? (() => new Date()),
    base,
    // `req.secure` honours X-Forwarded-Proto only from the proxies the app trusts.
    cookie: (req, name, value, maxAgeSeconds) =>
      serializeCookie(name, value, {
        path: base(req) || "/",
        secure: req.secure,
        ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
      }),
    record: (actor, action, fields) =>
      deps.audit.record(adminEntry({ source: "admin-ui", actor, action, ...fields })),
    ctxOf: (req, res) => {
      const l = locals(res);
      if (!l.session || !l.user) throw new Error("page rendered without a session");
      return { base: base(req), csrfToken: l.session.csrfToken, username: l.user.username, notice: l.notice };
    },
    actor: (res) => locals(res).user?.username ?? "",
    flashAndRedirect: async (req, res, path, message) => {
      const session = locals(res).session;
      if (session) await sessions.setFlash(session.id, message);
      res.redirect(303, `${base(req)}${path}`);
    },
  };
}
