/**
 * Errors the service answers with. Every code maps to exactly one HTTP status (the compiler
 * checks the table), and every message is written to be read by an operator inside lego's own
 * error output, which copies response bodies word for word.
 */
export const STATUS_BY_CODE = {
  bad_request: 400,
  invalid_fqdn: 400,
  invalid_value: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  zone_not_configured: 422,
  too_many_requests: 429,
  internal: 500,
  dns_backend_failed: 502,
  dns_backend_unavailable: 503,
  database_unavailable: 503,
  propagation_timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export class AppError extends Error {
  override readonly name: string = "AppError";
  readonly code: ErrorCode;
  /** Extra fields for the JSON body (e.g. which field failed validation). */
  readonly details: Readonly<Record<string, string>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

/** The zone for a name has no `<zone>.domain` file in the DNS repository. */
export class ZoneNotConfiguredError extends AppError {
  override readonly name = "ZoneNotConfiguredError";
  constructor(fqdn: string) {
    super(
      "zone_not_configured",
      `No zone file in the DNS repository covers ${fqdn}: add <zone>.domain for its zone to the repository`,
    );
  }
}

/** git (fetch, commit, push) failed: the change is not in the remote. */
export class DnsBackendError extends AppError {
  override readonly name = "DnsBackendError";
  constructor(message: string, options?: { cause?: unknown; unavailable?: boolean }) {
    super(options?.unavailable ? "dns_backend_unavailable" : "dns_backend_failed", message, options);
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("internal", "Internal error", { cause: err });
}
