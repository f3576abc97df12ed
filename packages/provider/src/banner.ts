import type { DemoCredentials } from "./dev-demo.js";
import { DEMO_ZONE } from "./dev-demo.js";

export interface BannerFacts {
  /** Where this process listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** APP_BASE_URL, when clients reach the service elsewhere (an ingress). */
  readonly publicUrl: string | undefined;
  /** The repository, credentials redacted. */
  readonly repo: string;
  readonly db: string;
  /** Set in `serve --dev`: the demo user, whose credentials the commands use. */
  readonly demo: DemoCredentials | undefined;
}

/**
 * What `serve` prints once it listens. Every command shown must work as pasted on this machine;
 * what cannot work locally (a real certificate) is said in words, with what it takes. Pure.
 */
export function banner(f: BannerFacts): string {
  const lines = [
    "",
    `httprequest-lego-provider is listening on ${f.url}`,
    ...(f.publicUrl ? [`  public URL:     ${f.publicUrl}`] : []),
    `  database:       ${f.db}`,
    `  DNS repository: ${f.repo}`,
    `  admin pages:    ${f.url}/admin/ (staff users: create one with create-superuser)`,
  ];
  if (f.demo) {
    const { username, password } = f.demo;
    lines.push(
      `  demo user:      ${username} / ${password}  (may manage ${DEMO_ZONE} and *.${DEMO_ZONE})`,
      "",
      "Try it (adds a TXT record: a commit in the DNS repository above):",
      `  curl -u '${username}:${password}' -H 'Content-Type: application/json' \\`,
      `    -d '{"fqdn":"_acme-challenge.www.${DEMO_ZONE}.","value":"demo-value-123"}' ${f.url}/present`,
      "",
      "A certificate needs more than this service: lego (HTTPREQ_ENDPOINT, HTTPREQ_USERNAME,",
      "HTTPREQ_PASSWORD; --dns httpreq) works once an ACME server can look the record up, that is",
      "with a domain of yours whose DNS servers serve the zone files of APP_GIT_REPO, a",
      "<zone>.domain file for it in that repository and a grant for it (pnpm cli allow-domains).",
      `No DNS server serves the demo repository, and ${DEMO_ZONE} is not a real domain.`,
      "`pnpm e2e` runs lego end to end on this machine: a local ACME server (Pebble) and bind9.",
    );
  }
  lines.push("");
  return lines.join("\n");
}
