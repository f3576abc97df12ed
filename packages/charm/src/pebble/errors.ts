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

/** Pebble answered with `type: "error"`. */
export class PebbleAPIError extends PebbleError {
  override readonly name = "PebbleAPIError";
  constructor(
    readonly statusCode: number,
    readonly kind: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Pebble ${method} ${path} failed (${statusCode}${kind ? `, ${kind}` : ""}): ${message}`);
  }
}

/** A file operation failed for one path (kinds: not-found, permission-denied, generic-file-error). */
export class PebblePathError extends PebbleError {
  override readonly name = "PebblePathError";
  constructor(
    readonly kind: string,
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
