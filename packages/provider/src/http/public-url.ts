import type { Request } from "express";

/**
 * Where clients see the service (APP_BASE_URL). Behind an ingress that routes
 * `https://host/model-app/...` here with the prefix stripped, requests arrive as `/admin/...`, but
 * every link, redirect and cookie path must carry `/model-app` again. Pure.
 */
export interface PublicUrl {
  /** `https://host/model-app` (no trailing slash); undefined: take the request's own address. */
  readonly root: string | undefined;
  /** `/model-app`, or "" when the service is at the root of its address. */
  readonly pathPrefix: string;
}

export function parsePublicUrl(baseUrl: string | undefined): PublicUrl {
  if (baseUrl === undefined) return { root: undefined, pathPrefix: "" };
  const url = new URL(baseUrl);
  const pathPrefix = url.pathname.replace(/\/+$/, "");
  return { root: `${url.origin}${pathPrefix}`, pathPrefix };
}

/** The absolute URL of `path` (as the service routes it, e.g. `/api/v1/audit/`) for a client. */
export function absoluteUrl(pub: PublicUrl, req: Request, path: string): string {
  return `${pub.root ?? `${req.protocol}://${req.get("host") ?? "localhost"}`}${path}`;
}
