import express, { type Request, type Router } from "express";
import type { Accounts } from "../accounts.js";
import { type AcmeDnsTarget, acmeDnsTarget } from "../acmedns/record-name.js";
import { registerAccount } from "../acmedns/register.js";
import type { RegisterLimiter } from "../acmedns/register-limiter.js";
import { parseAcmeDigest } from "../acmedns/txt-value.js";
import { parseUpdateBody } from "../acmedns/update-request.js";
import type { AcmeDnsUpdates } from "../acmedns/updates.js";
import { adminEntry } from "../audit/audit-entry.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import { tooManyAttempts } from "../auth/password-login.js";
import { canManage } from "../challenge/permission.js";
import { AppError, ZoneNotConfiguredError } from "../errors.js";
import {
  type ChallengeEvent,
  type ChallengeLocals,
  type ChallengeObserver,
  outcomeOf,
  parseBody,
} from "./challenge-routes.js";
import { toResponseError } from "./client-errors.js";
import { hasControl } from "./credential-hygiene.js";
import type { HttpMetrics } from "./metrics.js";

export interface AcmeDnsOptions {
  /** APP_ACMEDNS_ZONE: the zone bare acme-dns labels live under; undefined: labels are refused. */
  readonly zone: string | undefined;
  /** APP_ACMEDNS_REGISTER: /register creates accounts (needs `zone`). */
  readonly register: boolean;
}

function apiCredentials(req: Request): { username: string; password: string } {
  const username = req.get("x-api-user");
  const password = req.get("x-api-key");
  if (!username || !password) {
    throw new AppError(
      "unauthorized",
      "Send the account's username and password in the X-Api-User and X-Api-Key headers",
    );
  }
  if (hasControl(username) || hasControl(password)) {
    throw new AppError("bad_request", "X-Api-User and X-Api-Key must not contain control characters", {
      details: { field: "x-api-user" },
    });
  }
  return { username, password };
}

/** The X-Api-User a refused caller claimed (unverified), when it could be a username at all. */
function claimedUser(req: Request): string | undefined {
  const user = req.get("x-api-user");
  return user && !hasControl(user) ? user.slice(0, 150) : undefined;
}

/**
 * acme-dns's API over the same users, grants, store and audit trail as /present
 * (docs/decisions/0008, 0009): `POST /update`, `POST /register`, `GET /health`.
 */
export function acmeDnsRoutes(deps: {
  authenticator: Authenticator;
  accounts: Accounts;
  updates: AcmeDnsUpdates;
  metrics: HttpMetrics;
  observers: readonly ChallengeObserver[];
  audit: AuditLog | undefined;
  limiter: RegisterLimiter;
  options: AcmeDnsOptions;
}): Router {
  const router = express.Router();
  const rawBody = express.text({ type: () => true, limit: "16kb" });

  router.post("/update", rawBody, async (req, res) => {
    const started = performance.now();
    const locals = res.locals as ChallengeLocals;
    let principal: Principal | undefined;
    let target: AcmeDnsTarget | undefined;
    let commit: string | undefined;
    let failure: AppError | undefined;
    try {
      // Credentials first, as on /present: anonymous callers learn nothing about validation.
      const creds = apiCredentials(req);
      principal = await deps.authenticator.password(creds.username, creds.password, req.ip ?? "unknown");
      locals.username = principal.user.username;
      const body = parseUpdateBody(parseBody(req));
      target = acmeDnsTarget(body.subdomain, deps.options.zone);
      locals.fqdn = target.fqdn;
      const txt = parseAcmeDigest(body.txt);
      if (!canManage(target.fqdn, principal.grants)) {
        throw new AppError(
          "forbidden",
          `The user ${principal.user.username} does not have permission to manage ${target.fqdn}`,
        );
      }
      try {
        commit = (await deps.updates.update(target.fqdn, txt)).commit;
      } catch (err) {
        if (err instanceof ZoneNotConfiguredError && target.kind === "label") {
          throw new AppError(
            "bad_request",
            `APP_ACMEDNS_ZONE (${deps.options.zone}) is not a zone in the DNS repository: add ${deps.options.zone}.domain to it, or send the domain to certify as "subdomain"`,
            { details: { field: "subdomain" } },
          );
        }
        throw err;
      }
      // acme.sh counts the call as done only when the body quotes the value.
      res.status(200).json({ txt });
    } catch (err) {
      failure = toResponseError(err);
      throw failure;
    } finally {
      const outcome = failure ? outcomeOf(failure) : "ok";
      deps.metrics.challenges.inc({ action: "update", outcome });
      const event: ChallengeEvent = {
        action: "update",
        username: principal?.user.username,
        claimedUsername: principal ? undefined : claimedUser(req),
        client: req.ip,
        userId: principal?.user.id,
        fqdn: target?.fqdn,
        outcome,
        status: failure?.status ?? 200,
        commit,
        durationMs: performance.now() - started,
        message: failure?.message,
      };
      for (const o of deps.observers) o.onChallenge(event);
    }
  });

  router.post("/register", rawBody, async (req, res) => {
    const zone = deps.options.zone;
    if (!deps.options.register || zone === undefined) {
      throw new AppError(
        "forbidden",
        "Registration is disabled on this service: accounts are created by its operator " +
          "(pnpm cli create-user, or the charm's create-user action) and used as X-Api-User/X-Api-Key",
      );
    }
    const body = parseBody(req);
    const allowfrom =
      typeof body === "object" && body !== null ? (body as Record<string, unknown>).allowfrom : undefined;
    if (Array.isArray(allowfrom) && allowfrom.length > 0) {
      // Silently dropping a client's source restriction would be worse than refusing it.
      throw new AppError("bad_request", "allowfrom is not supported by this service: register without it", {
        details: { field: "allowfrom" },
      });
    }
    const admission = deps.limiter.take(req.ip ?? "unknown");
    if (!admission.ok) {
      throw tooManyAttempts(
        admission.retryAfterSeconds,
        "Too many registrations from this address: try again later",
      );
    }
    const account = await registerAccount(deps.accounts, zone);
    deps.audit?.record(
      adminEntry({
        source: "http",
        actor: account.username,
        action: "user.register",
        target: account.username,
        fqdn: account.fulldomain,
        detail: `registered through /register with a grant for ${account.subdomain}.${zone}`,
        client: req.ip ?? null,
      }),
    );
    res.status(201).json(account);
  });

  // acme-dns's liveness path (ours is /healthz).
  router.get("/health", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  return router;
}
