import type { RequestHandler } from "express";

/**
 * Headers on every response: no MIME sniffing of JSON into something executable, and nothing
 * (tokens, audit records) kept by caches. The admin pages add their own CSP and framing rules;
 * the admin stylesheet overrides Cache-Control for itself.
 */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  };
}
