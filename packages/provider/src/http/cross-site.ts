import type { RequestHandler } from "express";
import { AppError } from "../errors.js";

/**
 * Cross-site request refusal (docs/decisions/0710). A browser that holds Basic credentials or an
 * admin session would otherwise send them along with a form or `text/plain` POST that another
 * site's page makes. Browsers label such requests (Sec-Fetch-Site, Origin); lego, acme.sh and
 * curl send neither header, so they are unaffected.
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface CrossSiteHeaders {
  readonly method: string;
  readonly secFetchSite: string | undefined;
  readonly origin: string | undefined;
  /** Host (and port) this service answers as: the Host header, and APP_BASE_URL's when set. */
  readonly ownHosts: readonly string[];
}

function hostOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.host === "" ? undefined : url.host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Why the request is refused, or undefined if it may proceed. */
export function crossSiteRefusal(h: CrossSiteHeaders): string | undefined {
  if (SAFE_METHODS.has(h.method)) return undefined;
  const site = h.secFetchSite?.trim().toLowerCase();
  // The browser's own verdict wins when it gives one: same-origin, or "none" (typed by the user).
  if (site === "same-origin" || site === "none") return undefined;
  if (site !== undefined && site !== "") {
    // same-site is refused too: a sibling subdomain may be run by someone else.
    return `Cross-site request refused: the browser marked it "Sec-Fetch-Site: ${site.slice(0, 40)}"; state-changing requests are accepted only from this service's own pages or from non-browser clients`;
  }
  if (h.origin !== undefined) {
    const host = hostOf(h.origin.trim());
    if (host === undefined || !h.ownHosts.includes(host)) {
      return `Cross-site request refused: the Origin header ${JSON.stringify(h.origin.slice(0, 200))} is not this service; state-changing requests are accepted only from this service's own pages or from non-browser clients`;
    }
  }
  return undefined;
}

/**
 * Refuses state-changing requests a browser marks as coming from another site (403).
 * `publicUrl` (APP_BASE_URL) is the service's address as browsers see it behind a proxy.
 */
export function refuseCrossSite(publicUrl: string | undefined): RequestHandler {
  const configured = publicUrl ? hostOf(publicUrl) : undefined;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    // The raw Host header: what the browser addressed, whatever proxies say it forwarded.
    const own = req.headers.host?.toLowerCase();
    const reason = crossSiteRefusal({
      method: req.method,
      secFetchSite: req.get("sec-fetch-site"),
      origin: req.get("origin"),
      ownHosts: [own, configured].filter((o): o is string => o !== undefined),
    });
    next(reason ? new AppError("forbidden", reason) : undefined);
  };
}
