/** The scenarios: what an operator expects from the provider, each checked end to end. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
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

/** Every name a scenario may write a TXT record at. */
export const CHALLENGE_NAMES = [
  "_acme-challenge.example.test",
  "_acme-challenge.a.b.example.co.test",
  "_acme-challenge.www.example.co.test",
] as const;

export const SCENARIOS: readonly Scenario[] = [
  issuance("apex-wildcard", ["example.test", "*.example.test"], "example.test", false, "domain"),
  issuance("subdomain-grant", ["a.b.example.co.test"], "example.co.test", false, "subdomain"),
  issuance("apex-wildcard-raw", ["example.test", "*.example.test"], "example.test", true, "domain"),
  issuance("subdomain-grant-raw", ["a.b.example.co.test"], "example.co.test", true, "subdomain"),
  noGrant,
  acmeSh,
  propagation,
];
