import express, { type Request, type Router } from "express";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import type {
  ChallengeAction,
  ChallengeEvent,
  ChallengeLocals,
  ChallengeObserver,
} from "../challenge/challenge-event.js";
import { parseChallengeBody } from "../challenge/challenge-request.js";
import { canManage } from "../challenge/permission.js";
import type { PropagationWaiter } from "../dns/propagation/propagation-waiter.js";
import type { RecordStore } from "../dns/record-store.js";
import { AppError } from "../errors.js";
import { toResponseError } from "./client-errors.js";
import { basicUsername } from "./credential-hygiene.js";
import type { HttpMetrics } from "./metrics.js";

export type {
  ChallengeAction,
  ChallengeEvent,
  ChallengeLocals,
  ChallengeObserver,
} from "../challenge/challenge-event.js";

export function outcomeOf(err: AppError): ChallengeEvent["outcome"] {
  if (err.status === 401 || err.status === 429) return "unauthenticated";
  if (err.status === 403) return "denied";
  if (err.status < 500 && err.code !== "zone_not_configured") return "invalid";
  return "failed";
}

export function parseBody(req: Request): unknown {
  const text = typeof req.body === "string" ? req.body : "";
  // `curl -d '{...}'` labels JSON as form data: trust the body's shape over the label.
  if (req.is("application/x-www-form-urlencoded") && !text.trimStart().startsWith("{")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Body is not valid JSON");
  }
}

export function challengeRoutes(deps: {
  authenticator: Authenticator;
  store: RecordStore;
  metrics: HttpMetrics;
  observers: readonly ChallengeObserver[];
  /** Set with APP_PROPAGATION_CHECK: /present answers once the servers serve the value. */
  propagation?: Pick<PropagationWaiter, "strict" | "waitFor"> | undefined;
}): Router {
  const router = express.Router();
  // Any content type: lego sends JSON, acme.sh JSON, curl users often form data.
  const rawBody = express.text({ type: () => true, limit: "16kb" });

  const handle = (action: ChallengeAction) =>
    (async (req, res) => {
      const started = performance.now();
      const locals = res.locals as ChallengeLocals;
      let principal: Principal | undefined;
      let fqdn: string | undefined;
      let commit: string | undefined;
      let propagationWaitMs: number | undefined;
      let propagationWarning: string | undefined;
      let status = 200;
      let failure: AppError | undefined;
      try {
        principal = await deps.authenticator.authenticate(req.get("authorization"), req.ip ?? "unknown");
        locals.username = principal.user.username;
        const request = parseChallengeBody(parseBody(req), action === "present");
        fqdn = request.fqdn;
        locals.fqdn = fqdn;
        if (!canManage(request.fqdn, principal.grants)) {
          throw new AppError(
            "forbidden",
            `The user ${principal.user.username} does not have permission to manage ${request.fqdn}`,
          );
        }
        const result =
          action === "present"
            ? await deps.store.present(request.fqdn, request.value ?? "")
            : await deps.store.cleanup(request.fqdn, request.value);
        commit = result.commit;
        // Unset, /present takes exactly the path it always took: no extra await.
        if (action === "present" && deps.propagation !== undefined) {
          const outcome = await deps.propagation.waitFor(request.fqdn, request.value ?? "");
          propagationWaitMs = outcome.waitedMs;
          if (outcome.message !== undefined) {
            if (deps.propagation.strict) throw new AppError("propagation_timeout", outcome.message);
            propagationWarning = outcome.message;
            // 199 "miscellaneous warning": the answer is a success the client may still act on.
            res.set("Warning", `199 - "${outcome.message.replace(/[^\x20-\x7e]|["\\]/g, "'")}"`);
          }
        }
        const echo: Record<string, string> = { fqdn: request.fqdn };
        if (request.value !== undefined) echo.value = request.value;
        res.status(200).json(echo);
      } catch (err) {
        failure = toResponseError(err);
        status = failure.status;
        throw failure;
      } finally {
        const outcome = failure ? outcomeOf(failure) : "ok";
        deps.metrics.challenges.inc({ action, outcome });
        const event: ChallengeEvent = {
          action,
          username: principal?.user.username,
          claimedUsername: principal ? undefined : basicUsername(req.get("authorization")),
          client: req.ip,
          userId: principal?.user.id,
          fqdn,
          outcome,
          status,
          commit,
          durationMs: performance.now() - started,
          message: failure?.message ?? propagationWarning,
          propagationWaitMs,
        };
        for (const o of deps.observers) o.onChallenge(event);
      }
    }) satisfies express.RequestHandler;

  router.post("/present", rawBody, handle("present"));
  router.post("/cleanup", rawBody, handle("cleanup"));
  return router;
}
