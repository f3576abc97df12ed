/** Base of every Pebble client error. */
export class PebbleError extends Error {
  override readonly name: string = "PebbleError";
}

/** The socket is missing or refuses connections: the container's Pebble is not up (yet). */
export class PebbleConnectionError extends PebbleError {
  override readonly name = "PebbleConnectionError";
  constructor(
    readonly socketPath: string,
    detail: string,
  ) {
    super(`cannot reach Pebble at ${socketPath}: ${detail}`);
  }
}

/**
 * The error kinds Pebble sends in `result.kind` (canonical/pebble internals/daemon/response.go);
 * most errors have none.
 */
export const PEBBLE_ERROR_KINDS = [
  "change-conflict",
  "daemon-restart",
  "generic-file-error",
  "login-required",
  "no-default-services",
  "no-updates-available",
  "not-found",
  "permission-denied",
  "system-restart",
] as const;
export type PebbleErrorKind = (typeof PEBBLE_ERROR_KINDS)[number];

/** The kinds a file action reports for one path. */
export type PebbleFileErrorKind = Extract<
  PebbleErrorKind,
  "not-found" | "permission-denied" | "generic-file-error"
>;

export function pebbleErrorKind(kind: string | undefined): PebbleErrorKind | undefined {
  return PEBBLE_ERROR_KINDS.find((known) => known === kind);
}

/** Pebble answered with `type: "error"`; `kind` is undefined when Pebble sent none we know. */
export class PebbleAPIError extends PebbleError {
  override readonly name = "PebbleAPIError";
  constructor(
    readonly statusCode: number,
    readonly kind: PebbleErrorKind | undefined,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Pebble ${method} ${path} failed (${statusCode}${kind ? `, ${kind}` : ""}): ${message}`);
  }
}

/** Pebble's reply is not what its API defines (not JSON, not an envelope, a result of the wrong shape). */
export class PebbleProtocolError extends PebbleError {
  override readonly name = "PebbleProtocolError";
  constructor(
    readonly statusCode: number,
    detail: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Pebble ${method} ${path} (${statusCode}): ${detail}`);
  }
}

/** A file operation failed for one path. */
export class PebblePathError extends PebbleError {
  override readonly name = "PebblePathError";
  constructor(
    readonly kind: PebbleFileErrorKind,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message} (${kind})`);
  }
}

/** A change ended in error (its `err` field). */
export class PebbleChangeError extends PebbleError {
  override readonly name = "PebbleChangeError";
  constructor(
    readonly changeId: string,
    readonly err: string,
  ) {
    super(`Pebble change ${changeId} failed: ${err}`);
  }
}

/** A request or a change wait ran out of time. */
export class PebbleTimeoutError extends PebbleError {
  override readonly name = "PebbleTimeoutError";
}

/** An exec'd command exited non-zero; keeps what it printed. */
export class ExecError extends PebbleError {
  override readonly name = "ExecError";
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `command ${JSON.stringify(command[0] ?? "")} exited with ${exitCode}: ${stderr.trim() || stdout.trim()}`,
    );
  }
}
