import { type Logger, pino } from "pino";

/**
 * Fields censored wherever they appear at the top level or one object down (pino's `*.` wildcard).
 * A second line of defence (docs/decisions/0714): no code logs request bodies, credentials or
 * headers, but an error object from a library may carry them (body-parser puts the raw body on
 * its errors, HTTP clients their request headers).
 */
const SECRET_KEYS = [
  "password",
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "access",
  "refresh",
  "csrf_token",
  "secretKey",
  "sshKey",
  "body",
  "rawBody",
];

const key = (k: string) => (/^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS.map((k) => key(k).replace(/^\./, "")),
  ...SECRET_KEYS.map((k) => `*${key(k)}`),
  ...["authorization", "cookie", "set-cookie", "x-api-key"].map((k) => `*.headers${key(k)}`),
  "err.cause.body",
  "err.config.headers",
];

/** JSON logs on stdout. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "httprequest-lego-provider" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    },
    destination,
  );
}
