/** bind9 as the authoritative server for the test zones, on a loopback port of its own. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Daemon, run, start } from "@httprequest-lego-provider/run-command";
import { servedSerial } from "./dig.js";
import type { Layout } from "./layout.js";
import type { Ports } from "./ports.js";
import type { ToolPaths } from "./system-tools.js";
import { waitUntil } from "./wait-until.js";
import { zoneFileName } from "./zones.js";

const RNDC_KEY_NAME = "e2e-rndc";

export function renderNamedConf(layout: Layout, ports: Ports, zones: readonly string[]): string {
  const zoneBlocks = zones.map(
    (zone) => `zone "${zone}" { type primary; file "${join(layout.zonesDir, zoneFileName(zone))}"; };`,
  );
  return `include "${layout.rndcKey}";
controls { inet 127.0.0.1 port ${ports.rndc} allow { 127.0.0.1; } keys { "${RNDC_KEY_NAME}"; }; };
options {
  directory "${layout.namedDir}";
  pid-file "${join(layout.namedDir, "named.pid")}";
  session-keyfile "${join(layout.namedDir, "session.key")}";
  managed-keys-directory "${layout.namedDir}";
  listen-on port ${ports.dns} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { 127.0.0.1; };
  allow-transfer { none; };
  notify no;
  dnssec-validation no;
  querylog yes;
};
logging {
  channel main { file "${join(layout.logDir, "named.log")}"; severity info; print-time yes; print-category yes; };
  category default { main; };
  category queries { main; };
};
${zoneBlocks.join("\n")}
`;
}

export function renderRndcConf(layout: Layout, ports: Ports): string {
  return `include "${layout.rndcKey}";
options { default-key "${RNDC_KEY_NAME}"; default-server 127.0.0.1; default-port ${ports.rndc}; };
`;
}

/** Writes named.conf, rndc.conf and a fresh TSIG key for rndc; checks the configuration. */
export async function configureBind(
  tools: ToolPaths,
  layout: Layout,
  ports: Ports,
  zones: readonly string[],
): Promise<void> {
  await mkdir(layout.namedDir, { recursive: true });
  await run([tools["rndc-confgen"], "-a", "-A", "hmac-sha256", "-k", RNDC_KEY_NAME, "-c", layout.rndcKey]);
  await writeFile(layout.namedConf, renderNamedConf(layout, ports, zones));
  await writeFile(layout.rndcConf, renderRndcConf(layout, ports));
  await run([tools["named-checkconf"], layout.namedConf]);
}

export async function startBind(
  tools: ToolPaths,
  layout: Layout,
  ports: Ports,
  zones: readonly string[],
): Promise<Daemon> {
  // -f: foreground (we own the pid); -4: IPv4 only; no -u: run as the invoking user.
  const daemon = start("named", [tools.named, "-4", "-f", "-c", layout.namedConf], {
    logFile: join(layout.logDir, "named.stderr.log"),
  });
  // named answers SERVFAIL for a few ms after start until the zones are loaded.
  for (const zone of zones) {
    await waitUntil(`named serving ${zone}`, () => servedSerial({ dig: tools.dig, port: ports.dns }, zone), {
      timeoutMs: 15_000,
      abortIf: () => (daemon.hasExited() ? `named exited; see ${daemon.logFile}` : undefined),
    });
  }
  return daemon;
}
