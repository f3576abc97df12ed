import { AppError } from "../errors.js";

/** The body of acme-dns's `POST /update`, as acme.sh, goacmedns and cert-manager send it. */
export interface UpdateRequest {
  readonly subdomain: string;
  readonly txt: string;
}

function field(body: Record<string, unknown>, name: "subdomain" | "txt"): string {
  const raw = body[name];
  if (raw === undefined || raw === null) {
    throw new AppError("bad_request", `Missing field "${name}"`, { details: { field: name } });
  }
  if (typeof raw !== "string") {
    throw new AppError("bad_request", `Field "${name}" must be a string`, { details: { field: name } });
  }
  return raw;
}

/** Pure: the two fields of a parsed JSON body (other fields are ignored, as acme-dns does). */
export function parseUpdateBody(body: unknown): UpdateRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", 'The body must be a JSON object {"subdomain": ..., "txt": ...}');
  }
  const record = body as Record<string, unknown>;
  return { subdomain: field(record, "subdomain"), txt: field(record, "txt") };
}
