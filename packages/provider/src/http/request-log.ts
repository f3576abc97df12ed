import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { ChallengeLocals } from "../challenge/challenge-event.js";
import type { HttpMetrics } from "./metrics.js";

const KNOWN_ROUTES =
  /^\/(present|cleanup|update|register|healthz|health|readyz|metrics|admin|api\/v1\/[a-z-]+(\/[a-z]+)?)/;

/** Route label with ids dropped, so metrics keep a bounded set of label values. */
export function routeLabel(path: string): string {
  const m = KNOWN_ROUTES.exec(path);
  if (!m) return "other";
  return m[0];
}

/** One JSON log line per request (user and fqdn when known; never headers or bodies). */
export function requestLog(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req.path);
      const labels = { route, method: req.method, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      const locals = res.locals as ChallengeLocals;
      const line = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        client: req.ip,
        user: locals.username,
        fqdn: locals.fqdn,
      };
      if (route === "/healthz" || route === "/metrics") logger.debug(line, "request");
      else if (res.statusCode >= 500) logger.error(line, "request");
      else if (res.statusCode >= 400) logger.warn(line, "request");
      else logger.info(line, "request");
    });
    next();
  };
}
