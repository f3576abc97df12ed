import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { REALM } from "../auth/authenticator.js";
import type { AppError } from "../errors.js";
import { toResponseError } from "./client-errors.js";

export function sendError(res: Response, err: AppError): void {
  if (err.code === "unauthorized")
    res.setHeader("WWW-Authenticate", `Basic realm="${REALM}", charset="UTF-8"`);
  const retryAfter = err.details?.retryAfter;
  if (err.code === "too_many_requests" && retryAfter) res.setHeader("Retry-After", retryAfter);
  const body: Record<string, string> = { error: err.code, message: err.message };
  if (err.details?.field) body.field = err.details.field;
  res.status(err.status).json(body);
}

/** Last middleware: every error becomes a one-line JSON body; stack traces go to the log only. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const appError = toResponseError(err);
    // An outage is logged once where it is noticed, not with a stack per refused request.
    if (appError.code === "database_unavailable") logger.warn(appError.message);
    else if (appError.status >= 500) logger.error({ err }, appError.message);
    sendError(res, appError);
  };
}
