/**
 * APP_PROPAGATION_CHECK end to end (docs/decisions/0403): bind picks each push up a few seconds
 * late, as a DNS side fed by a cron pull or a slow reload does. lego with `--dns.disable-cp`
 * waits a fixed second before asking Pebble to validate, so through the provider as configured
 * by default it fails (the control), and through a second provider process that waits for bind
 * (same database and repository) it gets its apex + wildcard certificate; a /present of that
 * provider answers only once dig already shows the value.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { freePort } from "@httprequest-lego-provider/free-port";
import type { Daemon } from "@httprequest-lego-provider/run-command";
import { checkCertificate } from "./certificate-checks.js";
import { servedTxt } from "./dig.js";
import { setDeployDelay } from "./dns-repository.js";
import { certificatePath, issuerPath, runLego } from "./lego.js";
import { pendingDeploysDir } from "./pending-deploys.js";
import { type ProviderSetup, startProvider } from "./provider.js";
import {
  checkZonesAfter,
  type Harness,
  legoRequest,
  type Scenario,
  snapshotZones,
  tail,
} from "./scenarios.js";
import { waitUntil } from "./wait-until.js";

/** How late bind serves each push: well past lego's one-second wait with --dns.disable-cp. */
export const DEPLOY_DELAY_MS = 4_000;
const DOMAINS = ["example.test", "*.example.test"];
const NAME = "_acme-challenge.example.test";

async function waitingProvider(harness: Harness): Promise<{ setup: ProviderSetup; daemon: Daemon }> {
  const port = await freePort();
  const dataDir = join(harness.layout.root, "provider-propagation-data");
  await mkdir(dataDir, { recursive: true });
  const setup: ProviderSetup = {
    cli: harness.provider.cli,
    env: {
      ...harness.provider.env,
      APP_PORT: String(port),
      APP_DATA_DIR: dataDir,
      APP_PROPAGATION_CHECK: `127.0.0.1:${harness.ports.dns}`,
      APP_PROPAGATION_TIMEOUT: "30",
    },
    baseUrl: `http://127.0.0.1:${port}`,
  };
  return { setup, daemon: await startProvider(setup, harness.layout, "provider-propagation") };
}

async function post(setup: ProviderSetup, harness: Harness, path: string, value: string) {
  const { username, password } = harness.granted;
  const response = await fetch(`${setup.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
    },
    body: JSON.stringify({ fqdn: `${NAME}.`, value }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, warning: response.headers.get("warning"), body: await response.text() };
}

/**
 * Waits until no deferred deploy is pending (each deploys the tip, so a leftover one would make
 * the next push served early) and every zone is back to its records, served by bind.
 */
function settled(harness: Harness, before: Awaited<ReturnType<typeof snapshotZones>>): Promise<string> {
  const pending = pendingDeploysDir(harness.layout.hookConfig);
  return waitUntil(
    "bind serving the repository's tip, no deploy pending",
    async () => {
      const left = existsSync(pending) ? await readdir(pending) : [];
      if (left.length > 0) throw new Error(`${left.length} deferred deploys pending`);
      return checkZonesAfter(harness, before, "example.test", [NAME]);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

export const propagation: Scenario = {
  id: "propagation",
  async run(harness) {
    const before = await snapshotZones(harness);
    const dns = { dig: harness.tools.dig, port: harness.ports.dns };
    await setDeployDelay(harness.layout, DEPLOY_DELAY_MS);
    let daemon: Daemon | undefined;
    let waitedMs = 0;
    try {
      const control = legoRequest(harness, "propagation-control", harness.granted, DOMAINS, false);
      const refused = await runLego(control, harness.layout.home);
      if (refused.code === 0) {
        throw new Error(
          `control: lego got a certificate although bind serves pushes ${DEPLOY_DELAY_MS} ms late, so this scenario would prove nothing`,
        );
      }
      // It must fail where a fixed-wait client fails: the CA did not find the record.
      if (!refused.stderr.includes("urn:ietf:params:acme:error:unauthorized")) {
        throw new Error(`control: lego failed, but not at the CA's DNS validation:\n${tail(refused.stderr)}`);
      }
      await settled(harness, before);

      const started = await waitingProvider(harness);
      daemon = started.daemon;
      const value = randomBytes(32).toString("base64url");
      const t0 = performance.now();
      const present = await post(started.setup, harness, "/present", value);
      waitedMs = performance.now() - t0;
      const served = await servedTxt(dns, NAME);
      if (present.status !== 200 || present.warning !== null) {
        throw new Error(`/present answered ${present.status} (Warning: ${present.warning}): ${present.body}`);
      }
      // bind serves the push no sooner than DEPLOY_DELAY_MS after it: the answer must have waited.
      if (waitedMs < DEPLOY_DELAY_MS - 500) {
        throw new Error(
          `/present answered after ${Math.round(waitedMs)} ms, before bind could serve the push`,
        );
      }
      if (!served.includes(value)) {
        throw new Error(
          `/present answered after ${Math.round(waitedMs)} ms, but bind does not serve the value yet`,
        );
      }
      const cleanup = await post(started.setup, harness, "/cleanup", value);
      if (cleanup.status !== 200) throw new Error(`/cleanup answered ${cleanup.status}: ${cleanup.body}`);
      await settled(harness, before);

      const request = legoRequest(
        { ...harness, provider: started.setup },
        "propagation",
        harness.granted,
        DOMAINS,
        false,
      );
      const result = await runLego(request, harness.layout.home);
      if (result.code !== 0) {
        throw new Error(
          `lego through the waiting provider exited with ${result.code}:\n${tail(result.stderr)}`,
        );
      }
      await checkCertificate(
        harness.tools.openssl,
        certificatePath(request),
        issuerPath(request),
        harness.layout.pebbleIssuingRoot,
        DOMAINS,
      );
    } finally {
      await daemon?.stop();
      await setDeployDelay(harness.layout, 0);
    }
    const zones = await settled(harness, before);
    return `bind ${DEPLOY_DELAY_MS / 1000} s late: lego --dns.disable-cp fails without the check (control), /present with it answered after ${(waitedMs / 1000).toFixed(1)} s with dig already showing the value, apex + wildcard issued; ${zones}`;
  },
};
