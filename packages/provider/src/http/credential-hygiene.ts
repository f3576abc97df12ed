import type { RequestHandler } from "express";
import { AppError } from "../errors.js";

/** C0 controls and DEL: no username has them, and PostgreSQL text cannot hold NUL at all. */
export const hasControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};

function decodeBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^basic\s+(\S*)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0
    ? { username: decoded, password: "" }
    : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The username in a Basic Authorization header (unverified, at most 150 characters), if any. */
export function basicUsername(header: string | undefined): string | undefined {
  const creds = decodeBasic(header);
  return creds && creds.username !== "" ? creds.username.slice(0, 150) : undefined;
}

/**
 * What is wrong with Basic credentials that no user could have, or undefined. Checked before
 * authentication so such input is a 400 naming the problem, not a database error.
 */
export function basicCredentialsProblem(header: string | undefined): string | undefined {
  const creds = decodeBasic(header);
  if (!creds) return undefined;
  const { username, password } = creds;
  if (hasControl(username))
    return "Authorization: the Basic username contains a control character (such as NUL)";
  if (password.includes("\u0000")) return "Authorization: the Basic password contains a NUL character";
  return undefined;
}

export function rejectMalformedCredentials(): RequestHandler {
  return (req, _res, next) => {
    const problem = basicCredentialsProblem(req.get("authorization"));
    next(problem ? new AppError("bad_request", problem, { details: { field: "authorization" } }) : undefined);
  };
}
