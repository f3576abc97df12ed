import { createHash, timingSafeEqual } from "node:crypto";
import type { Request } from "express";

/** Compares two tokens in constant time (hashing first makes the lengths equal). */
export function tokensEqual(expected: string, given: string | undefined): boolean {
  if (!given || expected.length === 0) return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: the form field, or the X-CSRF-Token header for scripted calls. */
export function submittedToken(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body?.csrf_token;
  if (typeof field === "string") return field;
  return req.get("x-csrf-token") ?? undefined;
}
