import { type Logger, pino } from "pino";

/** JSON logs on stdout; the redact list is a second line of defence, no code logs secrets. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "httprequest-lego-provider" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "authorization",
          "*.authorization",
          "headers.authorization",
          "sshKey",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
