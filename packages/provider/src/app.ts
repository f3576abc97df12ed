import express, { type Express } from "express";
import type { Logger } from "pino";
import { Accounts } from "./accounts.js";
import { RegisterLimiter } from "./acmedns/register-limiter.js";
import { AcmeDnsUpdates } from "./acmedns/updates.js";
import { AcmeDnsValues } from "./acmedns/values-repo.js";
import type { AuditLog } from "./audit/audit-log.js";
import { Authenticator } from "./auth/authenticator.js";
import { type LoginUsers, PasswordLogin } from "./auth/password-login.js";
import type { PrincipalCache } from "./auth/principal-cache.js";
import { TokenService } from "./auth/tokens.js";
import { UsedRefreshTokens } from "./auth/used-refresh-tokens.js";
import type { ChallengeObserver } from "./challenge/challenge-event.js";
import type { Database } from "./db/database.js";
import type { DatabaseBreaker } from "./db/reachability.js";
import type { PropagationWaiter } from "./dns/propagation/propagation-waiter.js";
import type { RecordStore } from "./dns/record-store.js";
import { AppError } from "./errors.js";
import { type AcmeDnsOptions, acmeDnsRoutes } from "./http/acmedns-routes.js";
import { adminRoutes } from "./http/admin-routes.js";
import { challengeRoutes } from "./http/challenge-routes.js";
import { rejectMalformedCredentials } from "./http/credential-hygiene.js";
import { refuseCrossSite } from "./http/cross-site.js";
import { errorMiddleware } from "./http/error-middleware.js";
import { createMetrics, type HttpMetrics } from "./http/metrics.js";
import { opsRoutes } from "./http/ops-routes.js";
import { parsePublicUrl } from "./http/public-url.js";
import { requestLog } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";

export interface AppDeps {
  readonly db: Database;
  readonly store: RecordStore;
  readonly logger: Logger;
  /** JWT signing key; without it the token endpoints and Bearer auth are off. */
  readonly secretKey: string | undefined;
  readonly metrics?: HttpMetrics;
  readonly observers?: readonly ChallengeObserver[];
  /** The password check shared with the admin login page (one throttle for every login route). */
  readonly logins?: PasswordLogin;
  /**
   * Addresses/CIDRs of the reverse proxies whose X-Forwarded-For is believed (APP_TRUSTED_PROXIES).
   * None by default: the client address is the TCP peer, which a client cannot forge.
   */
  readonly trustedProxies?: readonly string[];
  /** Audit trail: records every challenge and admin API change, serves /api/v1/audit/. */
  readonly audit?: AuditLog;
  /**
   * APP_BASE_URL: its host counts as the service's own when checking cross-site requests, and
   * absolute links in answers start with it.
   */
  readonly publicUrl?: string | undefined;
  /** APP_PROPAGATION_CHECK: /present waits until the authoritative servers serve the value. */
  readonly propagation?: PropagationWaiter | undefined;
  /**
   * Users and grants served from memory (the one `logins` reads): admin API tokens then find their
   * user there too. Without it, every token reads its user from the database.
   */
  readonly principals?: PrincipalCache | undefined;
  /** Remembers a database outage (serve.ts); /readyz's check opens and closes it too. */
  readonly breaker?: DatabaseBreaker | undefined;
  /** Extra routers mounted before the 404 handler (e.g. the admin UI). */
  readonly extraRouters?: readonly { path: string; router: express.Router }[];
  /** acme-dns's API (APP_ACMEDNS_ZONE, APP_ACMEDNS_REGISTER); default: no zone, no registration. */
  readonly acmedns?: AcmeDnsOptions;
}

export interface App {
  readonly express: Express;
  readonly accounts: Accounts;
  readonly authenticator: Authenticator;
  readonly metrics: HttpMetrics;
}

/** The password check with its outcomes counted in the service's metrics. */
export function createPasswordLogin(users: LoginUsers, metrics: HttpMetrics): PasswordLogin {
  return new PasswordLogin(users, {
    onFailure: (reason) => metrics.authFailures.inc({ reason }),
    onVerified: (seconds, cached) => metrics.authVerify.observe({ cached: String(cached) }, seconds),
  });
}

/** Builds the Express app from its dependencies: no environment, no listen(). */
export function createApp(deps: AppDeps): App {
  const metrics = deps.metrics ?? createMetrics();
  const accounts = new Accounts(deps.db.knex);
  const logins = deps.logins ?? createPasswordLogin(accounts.users, metrics);
  const tokens = deps.secretKey ? new TokenService(deps.secretKey) : undefined;
  const authenticator = new Authenticator(
    accounts.users,
    logins,
    tokens,
    () => metrics.authFailures.inc({ reason: "bad_token" }),
    deps.principals,
  );

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // X-Forwarded-For is believed only from the configured proxies; with none, from nobody.
  const proxies = deps.trustedProxies ?? [];
  app.set("trust proxy", proxies.length > 0 ? [...proxies] : false);
  // acme.sh joins its endpoint and "/present" by string concatenation: accept "//present".
  app.use((req, _res, next) => {
    if (req.url.includes("//")) req.url = req.url.replace(/\/{2,}/g, "/");
    next();
  });
  app.use(requestLog(deps.logger, metrics));
  app.use(securityHeaders());
  app.use(refuseCrossSite(deps.publicUrl));
  app.use(rejectMalformedCredentials());
  // The hot path first: every router a request passes costs it allocations.
  const observers = [...(deps.observers ?? []), ...(deps.audit ? [deps.audit] : [])];
  app.use(
    challengeRoutes({ authenticator, store: deps.store, metrics, observers, propagation: deps.propagation }),
  );
  app.use(
    acmeDnsRoutes({
      authenticator,
      accounts,
      updates: new AcmeDnsUpdates(new AcmeDnsValues(deps.db.knex), deps.store),
      metrics,
      observers,
      audit: deps.audit,
      limiter: new RegisterLimiter(),
      options: deps.acmedns ?? { zone: undefined, register: false },
    }),
  );
  app.use(
    opsRoutes({
      knex: deps.db.knex,
      store: deps.store,
      metrics,
      logger: deps.logger,
      breaker: deps.breaker,
    }),
  );
  app.use(
    "/api/v1",
    adminRoutes({
      accounts,
      authenticator,
      tokens,
      logins,
      usedRefreshTokens: new UsedRefreshTokens(deps.db.knex),
      audit: deps.audit,
      publicUrl: parsePublicUrl(deps.publicUrl),
    }),
  );
  for (const extra of deps.extraRouters ?? []) app.use(extra.path, extra.router);
  app.use((req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}`)));
  app.use(errorMiddleware(deps.logger));
  return { express: app, accounts, authenticator, metrics };
}
