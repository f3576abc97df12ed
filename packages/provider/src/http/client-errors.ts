import { isDatabaseDown } from "../db/reachability.js";
import { AppError, type ErrorCode, toAppError } from "../errors.js";

/**
 * Errors a client caused that surface from libraries (the body parsers, the router, the
 * database driver) as plain errors. Each becomes a 4xx that names the problem; none would
 * otherwise be more than "Internal error". Messages are fixed texts: the libraries' own messages
 * may quote the request body, and a body may hold a password.
 */

/** body-parser's error types (from http-errors) and what the client should fix. */
const BODY_PARSER_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  "entity.parse.failed": { code: "bad_request", message: "Request body is not valid JSON" },
  "entity.too.large": { code: "payload_too_large", message: "Request body too large" },
  "entity.verify.failed": { code: "bad_request", message: "Request body failed verification" },
  "parameters.too.many": { code: "payload_too_large", message: "Too many form fields in the request body" },
  "charset.unsupported": {
    code: "unsupported_media_type",
    message: "Unsupported charset in Content-Type: send UTF-8 (or no charset)",
  },
  "encoding.unsupported": {
    code: "unsupported_media_type",
    message: "Unsupported Content-Encoding: send the body as identity, gzip, deflate or br",
  },
  "request.aborted": {
    code: "bad_request",
    message: "The client closed the connection while sending the body",
  },
  "request.size.invalid": {
    code: "bad_request",
    message: "Request body length does not match its Content-Length header",
  },
};

/** PostgreSQL SQLSTATEs a client's input can cause. */
const DATABASE_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  // character_not_in_repertoire: PostgreSQL text cannot hold U+0000.
  "22021": { code: "bad_request", message: "A value in the request contains a NUL character" },
  // untranslatable_character
  "22P05": { code: "bad_request", message: "A value in the request contains a NUL character" },
  // string_data_right_truncation
  "22001": { code: "bad_request", message: "A value in the request is too long" },
  // numeric_value_out_of_range
  "22003": { code: "bad_request", message: "A number in the request is out of range" },
  // unique_violation: a concurrent request won the race past our own existence checks.
  "23505": { code: "conflict", message: "An object with that name already exists" },
};

interface LibraryError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly expose?: unknown;
}

/** The 4xx for a library error a client caused, or undefined if it is not one. */
export function clientErrorOf(err: unknown): AppError | undefined {
  if (typeof err !== "object" || err === null || err instanceof AppError) return undefined;
  const e = err as LibraryError;
  if (typeof e.type === "string") {
    const known = BODY_PARSER_ERRORS[e.type];
    if (known) return new AppError(known.code, known.message);
  }
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    // zlib's errors reach body-parser untyped; invalid percent-encoding comes from the router.
    if (typeof e.code === "string" && e.code.startsWith("Z_"))
      return new AppError("bad_request", "Request body is not valid for its Content-Encoding");
    if (e.status === 413) return new AppError("payload_too_large", "Request body too large");
    if (e.status === 415) return new AppError("unsupported_media_type", "Unsupported request body encoding");
    if (err instanceof URIError) return new AppError("bad_request", "Invalid percent-encoding in the URL");
    return new AppError("bad_request", "Malformed request");
  }
  if (typeof e.code === "string") {
    const known = DATABASE_ERRORS[e.code];
    if (known) return new AppError(known.code, known.message);
  }
  return undefined;
}

/**
 * What every error handler answers with: a client's 4xx, a 503 when the database cannot be
 * reached (the admin API and pages during an outage: nothing is wrong with the request), or the
 * error as the service knows it.
 */
export function toResponseError(err: unknown): AppError {
  if (!(err instanceof AppError) && isDatabaseDown(err)) {
    return new AppError(
      "database_unavailable",
      "The database is unreachable: nothing was read or changed; try again once it is back",
      { cause: err },
    );
  }
  return clientErrorOf(err) ?? toAppError(err);
}
