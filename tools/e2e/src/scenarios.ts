/** The scenarios: what an operator expects from the provider, each checked end to end. */

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  ACME_SH_VERSION,
  type AcmeShRequest,
  acmeShCertificate,
  DEHYDRATED_HOOK,
  type DehydratedRequest,
  dehydratedCertificate,
  ensureAcmeSh,
  goacmednsUpdate,
  runAcmeSh,
  runDehydrated,
} from "./acme-dns-clients.js";
import { acmeProxyCall } from "./acme-sh.js";
import { checkCertificate } from "./certificate-checks.js";
import { servedTxt } from "./dig.js";
import type { Layout } from "./layout.js";
import { certificatePath, issuerPath, type LegoRequest, runLego } from "./lego.js";
import type { ScenarioId } from "./options.js";
import { acmeDirectoryUrl } from "./pebble.js";
import type { Ports } from "./ports.js";
import { propagation } from "./propagation-scenario.js";
import { logHasStatus, type ProviderSetup } from "./provider.js";
import { ScenarioSkipped } from "./report.js";
import type { ToolPaths } from "./system-tools.js";
import { waitUntil } from "./wait-until.js";
import { checkZoneRestored, snapshotZone, type ZoneSnapshot } from "./zone-state.js";
import { ZONES } from "./zones.js";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface Harness {
  readonly tools: ToolPaths;
  readonly layout: Layout;
  readonly ports: Ports;
  readonly provider: ProviderSetup;
  /** Holds a domain grant on example.test and a subdomain grant on example.co.test. */
  readonly granted: Credentials;
  /** Exists, with no grant at all. */
  readonly ungranted: Credentials;
  readonly providerLog: string;
}

export interface Scenario {
  readonly id: ScenarioId;
  /** Resolves with a one-line description of what was shown; throws with what went wrong. */
  run(harness: Harness): Promise<string>;
}

function challengeName(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, "")}`;
}

export function legoRequest(
  harness: Harness,
  id: string,
  who: Credentials,
  domains: string[],
  raw: boolean,
): LegoRequest {
  return {
    lego: harness.tools.lego,
    acmeDirectory: acmeDirectoryUrl(harness.ports),
    listenerCa: harness.layout.pebbleListenerCa,
    dnsPort: harness.ports.dns,
    endpoint: harness.provider.baseUrl,
    username: who.username,
    password: who.password,
    raw,
    domains,
    path: join(harness.layout.legoDir, id),
  };
}

export function tail(text: string, lines = 12): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

export async function snapshotZones(harness: Harness): Promise<Map<string, ZoneSnapshot>> {
  const snapshots = new Map<string, ZoneSnapshot>();
  for (const zone of ZONES) snapshots.set(zone, await snapshotZone(harness.tools, harness.layout, zone));
  return snapshots;
}

/**
 * Every zone must be back to the records it had before the scenario: the one written to with a
 * larger serial, the others untouched. Returns "zone a->b" for the report.
 */
export async function checkZonesAfter(
  harness: Harness,
  before: ReadonlyMap<string, ZoneSnapshot>,
  written: string | undefined,
  names: string[],
): Promise<string> {
  const notes: string[] = [];
  for (const zone of ZONES) {
    const earlier = before.get(zone);
    if (earlier === undefined) throw new Error(`no snapshot of ${zone}`);
    const now = await checkZoneRestored(harness.tools, harness.layout, harness.ports.dns, {
      zone,
      before: earlier,
      when: "before the scenario",
      serial: zone === written ? "grown" : "unchanged",
      challengeNames: names.filter((name) => name.endsWith(`.${zone}`)),
    });
    if (zone === written) notes.push(`${zone} serial ${earlier.serial}->${now.serial}`);
  }
  return notes.join(", ");
}

function issuance(id: ScenarioId, domains: string[], zone: string, raw: boolean, grant: string): Scenario {
  return {
    id,
    async run(harness) {
      const before = await snapshotZones(harness);
      const request = legoRequest(harness, id, harness.granted, domains, raw);
      const result = await runLego(request, harness.layout.home);
      if (result.code !== 0) {
        const why = result.timedOut ? " (timed out)" : "";
        throw new Error(
          `lego exited with ${result.code}${why}: ${tail(result.stderr, 1)}\n${tail(result.stderr)}`,
        );
      }
      await checkCertificate(
        harness.tools.openssl,
        certificatePath(request),
        issuerPath(request),
        harness.layout.pebbleIssuingRoot,
        domains,
      );
      const zones = await checkZonesAfter(harness, before, zone, domains.map(challengeName));
      const mode = raw ? "RAW mode" : "default mode";
      return `${domains.join(" + ")} via ${grant} grant, ${mode}: names exact, chains to Pebble root; records restored (${zones})`;
    },
  };
}

/** Pure: "403 <message>" from lego's "httpreq: 403: request failed: <body>" line. */
export function refusalExcerpt(legoLine: string): string {
  const message = /"message"\s*:\s*"([^"]*)"/.exec(legoLine)?.[1];
  const rest = legoLine.slice(legoLine.indexOf("403")).trim();
  return message === undefined ? rest.slice(0, 120) : `403 "${message}"`;
}

const noGrant: Scenario = {
  id: "no-grant",
  async run(harness) {
    const before = await snapshotZones(harness);
    const logStart = (await stat(harness.providerLog)).size;
    const domains = ["example.test"];
    const request = legoRequest(harness, "no-grant", harness.ungranted, domains, false);
    const result = await runLego(request, harness.layout.home);
    if (result.code === 0) throw new Error("lego obtained a certificate for a user without any grant");
    if (existsSync(certificatePath(request)))
      throw new Error(`a certificate was written: ${certificatePath(request)}`);
    const legoLine = result.stderr.split("\n").find((line) => line.includes("403"));
    if (legoLine === undefined)
      throw new Error(`lego failed, but not with a 403 from the provider:\n${tail(result.stderr)}`);
    const log = (await readFile(harness.providerLog, "utf8")).slice(logStart);
    const fqdn = challengeName("example.test");
    if (!logHasStatus(log, 403, [harness.ungranted.username]) && !logHasStatus(log, 403, [fqdn])) {
      throw new Error(
        `the provider logged no 403 for ${harness.ungranted.username} / ${fqdn}:\n${tail(log)}`,
      );
    }
    // Unchanged records and serial say it all: nothing was written for this user.
    await checkZonesAfter(harness, before, undefined, []);
    return `user without grant refused (lego: ${refusalExcerpt(legoLine)}); provider logged 403; zones untouched`;
  },
};

const acmeSh: Scenario = {
  id: "acme-sh",
  async run(harness) {
    const before = await snapshotZones(harness);
    const fulldomain = challengeName("www.example.co.test");
    const value = randomBytes(32).toString("base64url");
    const endpoint = harness.provider.baseUrl;
    const dns = { dig: harness.tools.dig, port: harness.ports.dns };

    const present = await acmeProxyCall(endpoint, "present", harness.granted, fulldomain, value);
    if (!present.succeeded) {
      throw new Error(
        `present: acme.sh would fail (HTTP ${present.status}, body lacks "${value}"): ${present.body}`,
      );
    }
    await waitUntil(
      `TXT ${fulldomain} served`,
      async () => ((await servedTxt(dns, fulldomain)).includes(value) ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const refused = await acmeProxyCall(endpoint, "present", harness.ungranted, fulldomain, `${value}x`);
    if (refused.succeeded || refused.status !== 403) {
      throw new Error(
        `present by a user without grant: HTTP ${refused.status} ${refused.body} (expected 403)`,
      );
    }
    const cleanup = await acmeProxyCall(endpoint, "cleanup", harness.granted, fulldomain, value);
    if (!cleanup.succeeded) {
      throw new Error(
        `cleanup: acme.sh would fail (HTTP ${cleanup.status}, body lacks "${value}"): ${cleanup.body}`,
      );
    }
    await waitUntil(
      `TXT ${fulldomain} gone`,
      async () => ((await servedTxt(dns, fulldomain)).length === 0 ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const zones = await checkZonesAfter(harness, before, "example.co.test", [fulldomain]);
    return `dns_acmeproxy present/cleanup succeed (body echoes the value), TXT served then gone, no-grant 403; ${zones}`;
  },
};

/** The name the acme-dns scenario certifies (apex + wildcard), under the subdomain grant. */
const ACME_DNS_NAME = "acmedns.example.co.test";

/**
 * acme.sh's `dns_acmedns`, unchanged, gets an apex + wildcard certificate through /update; bind
 * serves both values (acme-dns clients never clean up); a goacmedns-shaped /update then gets 200
 * with the echo and rotates out the oldest value. The operator's /cleanup restores the zone.
 */
const acmeDns: Scenario = {
  id: "acme-dns",
  async run(harness) {
    const acmeSh = await ensureAcmeSh(harness.tools.git, process.env, () => {});
    // acme.sh is not in Debian or npm; without GitHub it cannot be had (the shapes it sends are
    // still checked by the provider's table tests, and dehydrated sends goacmedns's).
    if ("problem" in acmeSh) {
      if (acmeSh.unreachable) throw new ScenarioSkipped(`acme.sh is not available: ${acmeSh.problem}`);
      throw new Error(`acme.sh cannot be used: ${acmeSh.problem}`);
    }
    const before = await snapshotZones(harness);
    const fqdn = challengeName(ACME_DNS_NAME);
    const domains = [ACME_DNS_NAME, `*.${ACME_DNS_NAME}`];
    const dns = { dig: harness.tools.dig, port: harness.ports.dns };
    const request: AcmeShRequest = {
      dir: acmeSh.dir,
      acmeDirectory: acmeDirectoryUrl(harness.ports),
      listenerCa: harness.layout.pebbleListenerCa,
      home: join(harness.layout.root, "acme-sh"),
      domains,
      endpoint: harness.provider.baseUrl,
      username: harness.granted.username,
      password: harness.granted.password,
      subdomain: ACME_DNS_NAME,
    };
    const result = await runAcmeSh(request);
    if (result.code !== 0) {
      const why = result.timedOut ? " (timed out)" : "";
      throw new Error(
        `acme.sh exited with ${result.code}${why}\n${tail(`${result.stdout}\n${result.stderr}`, 20)}`,
      );
    }
    const { cert, issuer } = acmeShCertificate(request);
    await checkCertificate(harness.tools.openssl, cert, issuer, harness.layout.pebbleIssuingRoot, domains);
    const issued = await servedTxt(dns, fqdn);
    if (issued.length !== 2) {
      throw new Error(
        `after the order bind serves ${issued.length} TXT values at ${fqdn}, expected the order's 2`,
      );
    }

    const next = randomBytes(32).toString("base64url");
    const account = { ...harness.granted, subdomain: ACME_DNS_NAME };
    const update = await goacmednsUpdate(harness.provider.baseUrl, account, next);
    if (update.status !== 200 || !update.body.includes(`"${next}"`)) {
      throw new Error(
        `goacmedns-shaped /update: HTTP ${update.status} ${update.body} (expected 200 and the value)`,
      );
    }
    const rotated = await waitUntil(
      `TXT ${fqdn} rotated`,
      async () => {
        const served = await servedTxt(dns, fqdn);
        return served.length === 2 && served.includes(next) ? served : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const kept = rotated.filter((v) => v !== next);
    if (kept.length !== 1 || !issued.includes(kept[0] as string)) {
      throw new Error(
        `after one more /update bind serves [${rotated.join(", ")}], expected the new value and the newest earlier one`,
      );
    }

    // Clients of acme-dns never clean up; an operator (or lego httpreq) can, through /cleanup.
    await cleanUpAll(harness, fqdn);
    const zones = await checkZonesAfter(harness, before, "example.co.test", [fqdn]);
    return (
      `acme.sh ${ACME_SH_VERSION} dns_acmedns (unchanged) got ${domains.join(" + ")}, chains to Pebble root; ` +
      `bind served both values; goacmedns-shaped /update 200 + echo rotated out the oldest; ${zones}`
    );
  },
};

/** The name the dehydrated scenario certifies (apex + wildcard), under the subdomain grant. */
const DEHYDRATED_NAME = "dehydrated.example.co.test";

/**
 * An ACME client from Debian (dehydrated) with our hook, which sends exactly goacmedns's /update:
 * apex + wildcard certificate, both values served by bind; /cleanup restores the zone.
 */
const acmeDnsDehydrated: Scenario = {
  id: "acme-dns-dehydrated",
  async run(harness) {
    const before = await snapshotZones(harness);
    const fqdn = challengeName(DEHYDRATED_NAME);
    const domains = [DEHYDRATED_NAME, `*.${DEHYDRATED_NAME}`];
    const request: DehydratedRequest = {
      dehydrated: harness.tools.dehydrated,
      hook: DEHYDRATED_HOOK,
      acmeDirectory: acmeDirectoryUrl(harness.ports),
      listenerCa: harness.layout.pebbleListenerCa,
      baseDir: join(harness.layout.root, "dehydrated"),
      domains,
      endpoint: harness.provider.baseUrl,
      username: harness.granted.username,
      password: harness.granted.password,
    };
    const result = await runDehydrated(request);
    if (result.code !== 0) {
      const why = result.timedOut ? " (timed out)" : "";
      throw new Error(
        `dehydrated exited with ${result.code}${why}\n${tail(`${result.stdout}\n${result.stderr}`, 20)}`,
      );
    }
    const { cert, issuer } = dehydratedCertificate(request);
    await checkCertificate(harness.tools.openssl, cert, issuer, harness.layout.pebbleIssuingRoot, domains);
    const served = await servedTxt({ dig: harness.tools.dig, port: harness.ports.dns }, fqdn);
    if (served.length !== 2) {
      throw new Error(
        `after the order bind serves ${served.length} TXT values at ${fqdn}, expected the order's 2`,
      );
    }
    await cleanUpAll(harness, fqdn);
    const zones = await checkZonesAfter(harness, before, "example.co.test", [fqdn]);
    return `dehydrated (Debian) + our goacmedns-shaped hook got ${domains.join(" + ")}, chains to Pebble root; bind served both values; ${zones}`;
  },
};

/** What an operator does to clear an acme-dns name: /cleanup without a value (every value). */
async function cleanUpAll(harness: Harness, fqdn: string): Promise<void> {
  const basic = Buffer.from(`${harness.granted.username}:${harness.granted.password}`).toString("base64");
  const response = await fetch(`${harness.provider.baseUrl}/cleanup`, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/json" },
    body: JSON.stringify({ fqdn: `${fqdn}.` }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200)
    throw new Error(`/cleanup of ${fqdn}: HTTP ${response.status} ${await response.text()}`);
}

/** Every name a scenario may write a TXT record at. */
export const CHALLENGE_NAMES = [
  "_acme-challenge.example.test",
  "_acme-challenge.a.b.example.co.test",
  "_acme-challenge.www.example.co.test",
  `_acme-challenge.${ACME_DNS_NAME}`,
  `_acme-challenge.${DEHYDRATED_NAME}`,
] as const;

export const SCENARIOS: readonly Scenario[] = [
  issuance("apex-wildcard", ["example.test", "*.example.test"], "example.test", false, "domain"),
  issuance("subdomain-grant", ["a.b.example.co.test"], "example.co.test", false, "subdomain"),
  issuance("apex-wildcard-raw", ["example.test", "*.example.test"], "example.test", true, "domain"),
  issuance("subdomain-grant-raw", ["a.b.example.co.test"], "example.co.test", true, "subdomain"),
  noGrant,
  acmeSh,
  propagation,
  acmeDns,
  acmeDnsDehydrated,
];
