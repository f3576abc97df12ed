/**
 * Pebble, the test ACME CA, validating DNS-01 challenges against our bind only. Debian's package
 * ships no listener certificate, so we make a throw-away CA and a 127.0.0.1 certificate for it.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Daemon, run, start } from "@httprequest-lego-provider/run-command";
import { httpsGetText } from "./https-get.js";
import type { Layout } from "./layout.js";
import type { Ports } from "./ports.js";
import type { ToolPaths } from "./system-tools.js";
import { waitUntil } from "./wait-until.js";

export function pebbleConfig(layout: Layout, ports: Ports): object {
  return {
    pebble: {
      listenAddress: `127.0.0.1:${ports.acme}`,
      managementListenAddress: `127.0.0.1:${ports.pebbleManagement}`,
      certificate: join(layout.pebbleDir, "listener-cert.pem"),
      privateKey: join(layout.pebbleDir, "listener-key.pem"),
      // Only used for HTTP-01/TLS-ALPN-01 validation, which this run never asks for.
      httpPort: 5002,
      tlsPort: 5001,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
    },
  };
}

/**
 * PEBBLE_AUTHZREUSE=0: every order goes through DNS again (the default reuses ~50% of valid
 * authorizations, and a scenario could pass without presenting anything).
 * PEBBLE_VA_NOSLEEP=1: no random 0-15 s validation delay. PEBBLE_WFE_NONCEREJECT=0: no random
 * badNonce answers.
 */
export function pebbleEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PEBBLE_AUTHZREUSE: "0",
    PEBBLE_VA_NOSLEEP: "1",
    PEBBLE_WFE_NONCEREJECT: "0",
  };
}

export async function configurePebble(tools: ToolPaths, layout: Layout, ports: Ports): Promise<void> {
  await mkdir(layout.pebbleDir, { recursive: true });
  const at = (name: string) => join(layout.pebbleDir, name);
  const caKey = at("listener-ca.key");
  await run([
    tools.openssl,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=e2e Pebble listener CA",
    "-keyout",
    caKey,
    "-out",
    layout.pebbleListenerCa,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await run([
    tools.openssl,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    at("listener-key.pem"),
    "-out",
    at("listener.csr"),
  ]);
  const extensions = at("listener-ext.cnf");
  await writeFile(
    extensions,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
  );
  await run([
    tools.openssl,
    "x509",
    "-req",
    "-in",
    at("listener.csr"),
    "-CA",
    layout.pebbleListenerCa,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    extensions,
    "-out",
    at("listener-cert.pem"),
  ]);
  await writeFile(layout.pebbleConfig, `${JSON.stringify(pebbleConfig(layout, ports), null, 2)}\n`);
}

export function acmeDirectoryUrl(ports: Ports): string {
  return `https://127.0.0.1:${ports.acme}/dir`;
}

export async function startPebble(tools: ToolPaths, layout: Layout, ports: Ports): Promise<Daemon> {
  const daemon = start(
    "pebble",
    [tools.pebble, "-config", layout.pebbleConfig, "-dnsserver", `127.0.0.1:${ports.dns}`],
    { env: pebbleEnv(), logFile: join(layout.logDir, "pebble.log") },
  );
  const ca = await readFile(layout.pebbleListenerCa, "utf8");
  await waitUntil(
    "pebble ACME directory",
    async () => ((await httpsGetText(acmeDirectoryUrl(ports), ca)).status === 200 ? true : undefined),
    {
      timeoutMs: 15_000,
      abortIf: () => (daemon.hasExited() ? `pebble exited; see ${daemon.logFile}` : undefined),
    },
  );
  return daemon;
}

/** Pebble makes a new issuing root at every start; certificates must chain to this one. */
export async function saveIssuingRoot(layout: Layout, ports: Ports): Promise<void> {
  const ca = await readFile(layout.pebbleListenerCa, "utf8");
  const root = await httpsGetText(`https://127.0.0.1:${ports.pebbleManagement}/roots/0`, ca);
  if (root.status !== 200 || !root.body.includes("BEGIN CERTIFICATE")) {
    throw new Error(`Pebble's management port did not return its root (HTTP ${root.status})`);
  }
  await writeFile(layout.pebbleIssuingRoot, root.body);
}
