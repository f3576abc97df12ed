import type { CharmConfig } from "./config.js";
import { OPTION_NAMES_VARIABLE, optionNames } from "./option-names.js";
import type { CheckSpec, Layer, LogTargetSpec, Plan, ServiceSpec } from "./pebble/types.js";
import {
  CLI,
  DATA_DIR,
  HEALTH_CHECK,
  KNOWN_HOSTS_PATH,
  MALLOC_ENVIRONMENT,
  NODE,
  NODE_FLAGS,
  PORT,
  READY_CHECK,
  RUN_GID,
  RUN_UID,
  RUN_USER,
  SERVICE,
  SSH_KEY_PATH,
  WORKING_DIR,
} from "./workload.js";

export interface EnvironmentInputs {
  config: CharmConfig;
  secretKey: string;
  databaseUrl: string;
  baseUrl?: string;
  /** CIDRs of the ingress proxy (APP_TRUSTED_PROXIES: whose X-Forwarded-For the service believes). */
  trustedProxies?: readonly string[];
}

/** The service's environment (design 3.5). The SSH key itself stays out: only its file path. */
export function desiredEnvironment(inputs: EnvironmentInputs): Record<string, string> {
  const { config } = inputs;
  // The layer replaces the image's service definition, so the image's own variables are repeated.
  const env: Record<string, string> = {
    NODE_ENV: "production",
    APP_PORT: String(PORT),
    PORT: String(PORT),
    APP_DATA_DIR: DATA_DIR,
    APP_SECRET_KEY: inputs.secretKey,
    POSTGRESQL_DB_CONNECT_STRING: inputs.databaseUrl,
    APP_LOG_LEVEL: config.logLevel,
    APP_AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
  };
  if (config.gitRepo) env.APP_GIT_REPO = config.gitRepo.url;
  if (config.gitRepo?.transport === "ssh") {
    env.APP_GIT_SSH_KEY_FILE = SSH_KEY_PATH;
    env.APP_GIT_KNOWN_HOSTS_FILE = KNOWN_HOSTS_PATH;
  }
  // Only with a check: an unchanged environment means no replan for deployments without one.
  if (config.propagationCheck) {
    env.APP_PROPAGATION_CHECK = config.propagationCheck;
    env.APP_PROPAGATION_TIMEOUT = String(config.propagationTimeout ?? 60);
  }
  if (config.acmednsZone) env.APP_ACMEDNS_ZONE = config.acmednsZone;
  if (config.acmednsRegister) env.APP_ACMEDNS_REGISTER = "true";
  if (inputs.baseUrl) env.APP_BASE_URL = inputs.baseUrl;
  if (inputs.trustedProxies && inputs.trustedProxies.length > 0)
    env.APP_TRUSTED_PROXIES = inputs.trustedProxies.join(",");
  // The service names these options, not its variables, in its errors (docs/decisions/0325).
  env[OPTION_NAMES_VARIABLE] = JSON.stringify(optionNames(env, config));
  return env;
}

/** The charm's layer: the service (replacing the image's definition), its health check, log targets. */
export function desiredLayer(
  environment: Record<string, string>,
  logTargets: Record<string, LogTargetSpec> = {},
): Layer {
  const layer: Layer = {
    summary: "httprequest-lego-provider, as configured by its charm",
    services: {
      [SERVICE]: {
        override: "replace",
        summary: "lego httpreq DNS-01 provider",
        command: [NODE, ...NODE_FLAGS, CLI, "serve"].join(" "),
        startup: "enabled",
        "working-dir": WORKING_DIR,
        user: RUN_USER,
        "user-id": RUN_UID,
        group: RUN_USER,
        "group-id": RUN_GID,
        environment: { ...MALLOC_ENVIRONMENT, ...environment },
      },
    },
    // Juju points the pod's liveness probe at Pebble's alive checks and its readiness probe at
    // the ready ones (docs/decisions/0324): a dead process is restarted, an unready one (database
    // or git remote unreachable) gets no traffic and its reason shows in the unit's status.
    checks: {
      [HEALTH_CHECK]: {
        override: "replace",
        level: "alive",
        period: "10s",
        timeout: "3s",
        threshold: 3,
        http: { url: `http://localhost:${PORT}/healthz` },
      },
      [READY_CHECK]: {
        override: "replace",
        level: "ready",
        period: "10s",
        // /readyz asks the database and the git remote; give ssh a moment.
        timeout: "5s",
        threshold: 3,
        http: { url: `http://localhost:${PORT}/readyz` },
      },
    },
  };
  if (Object.keys(logTargets).length > 0) layer["log-targets"] = logTargets;
  return layer;
}

const SERVICE_FIELDS = ["command", "startup", "working-dir", "user", "user-id", "group", "group-id"] as const;

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a?.[k]) === String(b?.[k]));
}

function serviceSatisfied(want: ServiceSpec, have: ServiceSpec | undefined): boolean {
  if (!have) return false;
  return (
    SERVICE_FIELDS.every((f) => String(want[f] ?? "") === String(have[f] ?? "")) &&
    sameMap(want.environment, have.environment)
  );
}

function checkSatisfied(want: CheckSpec, have: CheckSpec | undefined): boolean {
  if (!have) return false;
  return (
    want.level === have.level &&
    want.period === have.period &&
    want.timeout === have.timeout &&
    want.threshold === have.threshold &&
    want.http?.url === have.http?.url
  );
}

function targetSatisfied(want: LogTargetSpec, have: LogTargetSpec | undefined): boolean {
  if (!have) return false;
  return (
    want.type === have.type &&
    want.location === have.location &&
    JSON.stringify(want.services) === JSON.stringify(have.services ?? []) &&
    sameMap(want.labels, have.labels)
  );
}

/** Whether the merged plan already has everything the layer asks for (then no add-layer, no replan). */
export function planSatisfies(plan: Plan, layer: Layer): boolean {
  for (const [name, spec] of Object.entries(layer.services ?? {})) {
    if (!serviceSatisfied(spec, plan.services?.[name])) return false;
  }
  for (const [name, spec] of Object.entries(layer.checks ?? {})) {
    if (!checkSatisfied(spec, plan.checks?.[name])) return false;
  }
  for (const [name, spec] of Object.entries(layer["log-targets"] ?? {})) {
    if (!targetSatisfied(spec, plan["log-targets"]?.[name])) return false;
  }
  return true;
}
