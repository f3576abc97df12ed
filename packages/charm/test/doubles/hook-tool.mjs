#!/usr/bin/env node
// Test double of Juju's hook tools: one script, installed under each tool's name on PATH,
// reading and writing a JSON state file ($FAKE_JUJU_STATE). Behaviour follows the documented
// contract (documentation.ubuntu.com/juju "hook commands", and what ops' hookcmds and Scenario
// rely on). Where the docs are silent it guesses, and says so next to the code.
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const tool = basename(process.argv[1]);
const args = process.argv.slice(2);
const statePath = process.env.FAKE_JUJU_STATE;

function fail(message, code = 1) {
  process.stderr.write(`ERROR ${message}\n`);
  process.exit(code);
}

if (!statePath) fail("FAKE_JUJU_STATE is not set");
const state = JSON.parse(readFileSync(statePath, "utf8"));
if (!state.calls) state.calls = [];
state.calls.push([tool, ...args]);

function save() {
  writeFileSync(statePath, JSON.stringify(state, null, 2));
}

function out(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

// The flags each tool defines, as juju's jujuc commands declare them with gnuflag
// (internal/worker/uniter/runner/jujuc/<tool>.go, SetFlags). `output` is cmd.Output's
// --format/-o/--output; `aliases` maps a flag's other names to the one the handlers read.
const OUTPUT = ["format", "o", "output"];
const RELATION = ["r", "relation"];
const FLAGS = {
  "is-leader": { valued: OUTPUT },
  "config-get": { valued: OUTPUT, bool: ["all", "a"] },
  "action-get": { valued: OUTPUT },
  "action-set": {},
  "action-fail": {},
  "action-log": {},
  "status-set": { bool: ["application"] },
  "juju-log": { valued: ["l", "log-level", "format"], bool: ["debug"] },
  "application-version-set": {},
  "open-port": { valued: ["format", "endpoints"] },
  "relation-ids": { valued: OUTPUT },
  "relation-list": { valued: [...OUTPUT, ...RELATION], bool: ["app"] },
  "relation-get": { valued: [...OUTPUT, ...RELATION], bool: ["app"] },
  "relation-set": { valued: [...RELATION, "file", "format"], bool: ["app"] },
  "secret-get": { valued: [...OUTPUT, "label"], bool: ["peek", "refresh"] },
  "secret-add": { valued: ["expire", "rotate", "description", "label", "file", "owner"] },
  "network-get": {
    valued: [...OUTPUT, ...RELATION],
    bool: ["primary-address", "bind-address", "ingress-address", "egress-subnets"],
  },
};
const ALIASES = { relation: "r", output: "o", l: "log-level", a: "all" };

/** What gnuflag prints for a bad flag; juju's command runner exits 2 on it. */
function usage(message) {
  fail(message, 2);
}

/**
 * Splits argv as gnuflag does for a jujuc command: flags anywhere (interspersed), `--name=value`,
 * `--name value` or `-x value` for valued flags, `--name` or `--name=true|false` for booleans, a
 * single dash for one-letter names and two for longer ones; "--" ends the flags. A flag the tool
 * does not define is refused, so a misspelt flag fails the test that passes it.
 */
function parseArgs(argv) {
  const spec = FLAGS[tool] ?? {};
  const valued = spec.valued ?? [];
  const bool = spec.bool ?? [];
  const flags = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const dashes = a.startsWith("--") ? 2 : 1;
    const eq = a.indexOf("=");
    const name = a.slice(dashes, eq < 0 ? undefined : eq);
    if ((dashes === 1) !== (name.length === 1)) usage(`option provided but not defined: ${a}`);
    const key = ALIASES[name] ?? name;
    if (valued.includes(name)) {
      if (eq >= 0) flags[key] = a.slice(eq + 1);
      else if (i + 1 < argv.length) flags[key] = argv[++i];
      else usage(`option needs an argument: ${a}`);
    } else if (bool.includes(name)) {
      const value = eq < 0 ? "true" : a.slice(eq + 1);
      if (value !== "true" && value !== "false") usage(`invalid value "${value}" for flag ${a.slice(0, eq)}`);
      flags[key] = value === "true";
    } else usage(`option provided but not defined: ${a.slice(0, eq < 0 ? undefined : eq)}`);
  }
  return { flags, positional };
}

function relationById(id) {
  // Juju accepts "endpoint:N" or just "N".
  const rel = state.relations.find((r) => r.id === id || r.id.split(":")[1] === id);
  if (!rel) fail(`invalid value "${id}" for option -r: relation not found`);
  return rel;
}

function readStdin() {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

const ACTION_KEY = /^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$/;

const tools = {
  "is-leader": () => out(state.leader),
  "config-get": () => out({ ...(state.configDefaults ?? {}), ...(state.config ?? {}) }),
  "action-get": () => {
    if (!state.action) fail("not running an action");
    out(state.action.params ?? {});
  },
  "action-set": () => {
    if (!state.action) fail("not running an action");
    for (const pair of args) {
      const eq = pair.indexOf("=");
      if (eq < 1) fail(`argument "${pair}" must be of the form key=value`);
      const key = pair.slice(0, eq);
      if (!ACTION_KEY.test(key) || ["stdout", "stderr", "stdout-encoding", "stderr-encoding"].includes(key)) {
        fail(
          `key "${key}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
        );
      }
      // Dotted keys nest (a.b=v -> {a: {b: v}}).
      if (!state.action.results) state.action.results = {};
      let target = state.action.results;
      const parts = key.split(".");
      for (const p of parts.slice(0, -1)) {
        if (!target[p]) target[p] = {};
        target = target[p];
      }
      target[parts[parts.length - 1]] = pair.slice(eq + 1);
    }
    save();
  },
  "action-fail": () => {
    if (!state.action) fail("not running an action");
    const { positional } = parseArgs(args);
    state.action.failed =
      positional.join(" ") || "action failed without reason given, check action for errors";
    save();
  },
  "action-log": () => {
    if (!state.action) fail("not running an action");
    state.action.logs = state.action.logs ?? [];
    state.action.logs.push(parseArgs(args).positional.join(" "));
    save();
  },
  "status-set": () => {
    const { flags, positional } = parseArgs(args);
    const [name, ...message] = positional;
    if (!["active", "blocked", "maintenance", "waiting"].includes(name)) fail(`invalid status "${name}"`);
    const app = flags.application === true;
    if (app && !state.leader) fail("cannot set application status: this unit is not the leader");
    const entry = { name, message: message.join(" ") };
    state.status = state.status ?? {};
    state.status[app ? "app" : "unit"] = entry;
    const history = app ? "appHistory" : "unitHistory";
    state.status[history] = state.status[history] ?? [];
    state.status[history].push(entry);
    save();
  },
  "juju-log": () => {
    const { flags, positional } = parseArgs(args);
    state.logs = state.logs ?? [];
    state.logs.push({ level: flags["log-level"] ?? "INFO", message: positional.join(" ") });
    save();
  },
  "application-version-set": () => {
    state.applicationVersion = parseArgs(args).positional.join(" ");
    save();
  },
  "open-port": () => {
    const [spec] = parseArgs(args).positional;
    if (!/^\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$|^icmp$/.test(spec ?? "")) fail(`invalid port "${spec}"`);
    const normal = spec.includes("/") || spec === "icmp" ? spec : `${spec}/tcp`;
    state.openedPorts = state.openedPorts ?? [];
    if (!state.openedPorts.includes(normal)) state.openedPorts.push(normal);
    save();
  },
  "relation-ids": () => {
    const { positional } = parseArgs(args);
    const endpoint = positional[0] ?? process.env.JUJU_RELATION;
    out(state.relations.filter((r) => r.endpoint === endpoint).map((r) => r.id));
  },
  "relation-list": () => {
    const { flags } = parseArgs(args);
    const rel = relationById(flags.r ?? process.env.JUJU_RELATION_ID);
    if (flags.app) out(rel.remoteApp);
    else out(Object.keys(rel.remoteUnits ?? {}).sort());
  },
  "relation-get": () => {
    const { flags, positional } = parseArgs(args);
    const rel = relationById(flags.r ?? process.env.JUJU_RELATION_ID);
    const key = positional[0] ?? "-";
    const target = positional[1] ?? process.env.JUJU_REMOTE_UNIT;
    let bag;
    if (flags.app) {
      if (target === state.app) {
        // Only the leader may read its own app databag, except on a peer relation.
        if (!rel.peer && !state.leader) fail("permission denied");
        bag = rel.localApp ?? {};
      } else if (target === rel.remoteApp) bag = rel.remoteAppData ?? {};
      else fail(`application "${target}" not found in relation ${rel.id}`);
    } else if (target === state.unit) bag = rel.localUnit ?? {};
    else if (rel.remoteUnits && target in rel.remoteUnits) bag = rel.remoteUnits[target];
    else
      fail(
        `cannot read settings for unit "${target}" in relation "${rel.id}": unit "${target}": settings not found`,
      );
    out(key === "-" ? bag : (bag[key] ?? null));
  },
  "relation-set": () => {
    const { flags, positional } = parseArgs(args);
    const rel = relationById(flags.r ?? process.env.JUJU_RELATION_ID);
    let data = {};
    if (flags.file === "-") data = JSON.parse(readStdin() || "{}");
    for (const pair of positional) {
      const eq = pair.indexOf("=");
      data[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (flags.app && !state.leader) fail("cannot write relation settings");
    if (flags.app) rel.localApp = rel.localApp ?? {};
    else rel.localUnit = rel.localUnit ?? {};
    const bag = flags.app ? rel.localApp : rel.localUnit;
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== "string") fail(`value of "${k}" must be a string`);
      // An empty value deletes the key.
      if (v === "") delete bag[k];
      else bag[k] = v;
    }
    state.relationSets = state.relationSets ?? [];
    state.relationSets.push({ id: rel.id, app: Boolean(flags.app), data });
    save();
  },
  "secret-get": () => {
    // secret-get [options] <ID> [key[#base64]] (--label, --peek, --refresh, --format).
    // As juju's secretsmanager facade (getSecretContent, getConsumedRevision): an unknown ID is
    // "not found"; a user secret the application was not granted is "permission denied"; a
    // consumer reads the revision it tracks, the first read tracks the latest, --peek reads the
    // latest once, --refresh reads the latest and tracks it from then on.
    const { flags, positional } = parseArgs(args);
    const [id, keyArg] = positional;
    const secret =
      state.secrets?.[id] ??
      Object.values(state.secrets ?? {}).find((s) => s.label && s.label === flags.label);
    if (!secret) fail(`secret "${id ?? flags.label}" not found`);
    if (secret.owner === "model" && !(secret.granted ?? []).includes(state.app)) fail("permission denied");
    // A secret without `revisions` has one revision, `content`.
    const latest = secret.revisions?.length ?? 1;
    const contentOf = (rev) => (secret.revisions ? secret.revisions[rev - 1] : secret.content);
    let revision = secret.consumedRevision;
    if (revision === undefined || flags.refresh || flags.peek) revision = latest;
    if (flags.refresh || secret.consumedRevision === undefined) {
      secret.consumedRevision = latest;
      save();
    }
    const content = contentOf(revision);
    if (keyArg) {
      const [key, encoding] = keyArg.split("#");
      const value = content[key];
      if (value === undefined) fail(`secret key "${key}" not found`);
      out(encoding === "base64" ? Buffer.from(value).toString("base64") : value);
    } else out(content);
  },
  "secret-add": () => {
    const { flags, positional } = parseArgs(args);
    const content = Object.fromEntries(
      positional.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
    );
    if ((flags.owner ?? "application") === "application" && !state.leader) fail("permission denied");
    const id = `secret:${Object.keys(state.secrets ?? {}).length + 1}fakesecret`;
    state.secrets = state.secrets ?? {};
    state.secrets[id] = { content, label: flags.label, owner: flags.owner ?? "application" };
    save();
    process.stdout.write(`${id}\n`);
  },
  "network-get": () => {
    const { positional } = parseArgs(args);
    const address = state.unitAddress ?? "192.0.2.10";
    if (!positional[0]) fail("no endpoint name given");
    out({
      "bind-addresses": [
        { "interface-name": "eth0", addresses: [{ value: address, cidr: `${address}/32` }] },
      ],
      "egress-subnets": [`${address}/32`],
      "ingress-addresses": [address],
    });
  },
};

const handler = tools[tool];
if (!handler) fail(`unknown hook tool ${tool}`);
// Every tool checks its flags first, as gnuflag does before the command runs.
parseArgs(args);
handler();
// Read-only tools are recorded in `calls` too, so a test can tell which tools a dispatch ran.
save();
