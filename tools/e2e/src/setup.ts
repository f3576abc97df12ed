/**
 * Brings the world of one run up, in dependency order: database, bind with the zones from the
 * bare repository (and the deploy hook), Pebble, then the provider with its users and grants.
 * Every started piece registers how to undo it, so a failure half-way still cleans up.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { configureBind, startBind } from "./bind.js";
import { createDatabase } from "./database.js";
import { createDnsRepository, exportZones, installDeployHook } from "./dns-repository.js";
import type { Layout } from "./layout.js";
import type { Options } from "./options.js";
import { configurePebble, saveIssuingRoot, startPebble } from "./pebble.js";
import { allocatePorts } from "./ports.js";
import { prepareProvider, providerCli, startProvider } from "./provider.js";
import type { Credentials, Harness } from "./scenarios.js";
import type { ToolPaths } from "./system-tools.js";
import { snapshotZone, type ZoneSnapshot } from "./zone-state.js";
import { ZONES } from "./zones.js";

export interface Step {
  readonly what: string;
  readonly undo: () => Promise<void>;
}

export interface SetUpInputs {
  readonly tools: ToolPaths;
  readonly layout: Layout;
  readonly options: Options;
  readonly providerCli: string;
  readonly hookScript: string;
  /** Steps to undo besides stopping daemons (which exec.ts tracks), run in reverse by the caller. */
  readonly undo: Step[];
  readonly log: (line: string) => void;
}

function password(): string {
  return randomBytes(18).toString("base64url");
}

export async function setUp(
  inputs: SetUpInputs,
): Promise<{ harness: Harness; baseline: Map<string, ZoneSnapshot> }> {
  const { tools, layout, options, undo, log } = inputs;
  await Promise.all(
    [layout.logDir, layout.home, layout.legoDir].map((dir) => mkdir(dir, { recursive: true })),
  );
  const ports = await allocatePorts();
  log(`scratch ${layout.root}; ports dns ${ports.dns}, acme ${ports.acme}, provider ${ports.provider}`);

  if (options.pgSocketDir === undefined) {
    throw new Error("no PostgreSQL socket directory: the launcher passes --pg-socket-dir to the inner run");
  }
  const database = await createDatabase({ dir: options.pgSocketDir, port: options.pgPort });
  log(`database ${database.name} (via ${options.pgSocketDir}/.s.PGSQL.${options.pgPort})`);
  if (!options.keep) undo.push({ what: `drop database ${database.name}`, undo: database.drop });

  await configureBind(tools, layout, ports, ZONES);
  await createDnsRepository(tools, layout, ZONES);
  await exportZones(tools, layout, ZONES);
  const baseline = new Map<string, ZoneSnapshot>();
  for (const zone of ZONES) baseline.set(zone, await snapshotZone(tools, layout, zone));
  await startBind(tools, layout, ports, ZONES);
  await installDeployHook(tools, layout, ports, ZONES, inputs.hookScript);
  log(`bind9 serving ${ZONES.join(", ")} from the bare repository ${layout.bareRepo}`);

  await configurePebble(tools, layout, ports);
  await startPebble(tools, layout, ports);
  await saveIssuingRoot(layout, ports);
  log("pebble ready (authorization reuse off, DNS-01 against our bind)");

  const provider = await prepareProvider(inputs.providerCli, layout, ports, database.connectString);
  const granted: Credentials = { username: "alice", password: password() };
  const ungranted: Credentials = { username: "bob", password: password() };
  await providerCli(provider, ["migrate"]);
  // Independent CLI calls run side by side: each one is a Node start-up plus a connection.
  await Promise.all([
    providerCli(provider, ["create-user", granted.username, "--password", granted.password]).then(() =>
      providerCli(provider, [
        "allow-domains",
        granted.username,
        "--domains",
        "example.test",
        "--subdomains",
        "example.co.test",
      ]),
    ),
    providerCli(provider, ["create-user", ungranted.username, "--password", ungranted.password]),
  ]);
  log(
    `provider CLI: migrated; ${granted.username} may manage example.test (domain) and example.co.test (subdomains); ${ungranted.username} nothing`,
  );
  const service = await startProvider(provider, layout);
  const harness: Harness = {
    tools,
    layout,
    ports,
    provider,
    granted,
    ungranted,
    providerLog: service.logFile,
  };
  return { harness, baseline };
}
