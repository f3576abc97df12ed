import { isIP } from "node:net";
import path from "node:path";
// zod's v3 API: the same validation for a third of v4's resident memory (decision 0107).
import { z } from "zod/v3";
import { AUDIT_RETENTION_DAYS, AUDIT_RETENTION_RULE, parseAuditRetentionDays } from "./audit-retention.js";
import { InvalidDomainError, parseGrantDomain } from "./challenge/dns-name.js";
import { InvalidGitRemoteError, parseGitRemote } from "./dns/git-remote.js";
import { type PropagationCheck, parsePropagationCheck } from "./dns/propagation/propagation-setting.js";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "./log-level.js";
import {
  describeVariable,
  describeVariables,
  NO_OPTION_NAMES,
  type OptionNames,
  parseOptionNames,
} from "./option-names.js";

/** Validated service configuration. Read from the environment once, at start-up. */
export interface Config {
  readonly port: number;
  /** Listen address; undefined means 0.0.0.0 in production and 127.0.0.1 in `serve --dev`. */
  readonly host: string | undefined;
  /** APP_BASE_URL: the public URL, possibly with a path prefix (`https://host/model-app/`). */
  readonly baseUrl: string | undefined;
  readonly secretKey: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly gitRepo: string | undefined;
  readonly gitSshKey: string | undefined;
  readonly gitSshKeyFile: string | undefined;
  readonly gitKnownHosts: string | undefined;
  readonly gitKnownHostsFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly auditRetentionDays: number;
  /** Reverse proxies (addresses/CIDRs) whose X-Forwarded-For is believed; empty: none. */
  readonly trustedProxies: readonly string[];
  /** Authoritative servers a /present waits for (docs/decisions/0108); `off`: answer once pushed. */
  readonly propagationCheck: PropagationCheck;
  readonly propagationTimeoutSeconds: number;
  /** A propagation timeout is a 504 instead of a 200 with a Warning header. */
  readonly propagationStrict: boolean;
  /** How long a principal the database confirmed keeps working while the database is unreachable. */
  readonly authCacheMaxStaleSeconds: number;
  /** APP_ACMEDNS_ZONE: the zone acme-dns account labels live under (`<label>.<zone>`); undefined: none. */
  readonly acmednsZone: string | undefined;
  /** APP_ACMEDNS_REGISTER: acme-dns's anonymous POST /register creates accounts under acmednsZone. */
  readonly acmednsRegister: boolean;
}

/** One thing wrong with the configuration, and the variables that would fix it. */
export interface ConfigProblem {
  /** Usually one; several when any of them would do (APP_GIT_SSH_KEY or APP_GIT_SSH_KEY_FILE). */
  readonly variables: readonly string[];
  readonly message: string;
}

const VARIABLE_NAME = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

/** `APP_X: message`, or `charm option "x" (APP_X): message` when the charm named its options. */
export function formatProblem(problem: ConfigProblem, names: OptionNames): string {
  // Variables the message itself mentions are named the same way.
  const message = problem.message.replace(VARIABLE_NAME, (v) => describeVariable(v, names));
  return `${describeVariables(problem.variables, names)}: ${message}`;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly problems: readonly ConfigProblem[],
    names: OptionNames = NO_OPTION_NAMES,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${formatProblem(p, names)}`).join("\n")}`);
  }
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

// 0 lets the kernel pick a free port (tests, benchmarks); the banner prints the real one.
const portSchema = z.coerce.number().int().min(0).max(65535);

/** One address or CIDR block (`10.1.0.0/16`, `fd00::/8`), as Express's `trust proxy` takes them. */
function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf("/");
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const trustedProxiesSchema = optionalText.transform((v, ctx) => {
  const entries = (v ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `not an IP address or CIDR block: ${bad.map((b) => `"${b}"`).join(", ")} (expected a comma-separated list such as 10.1.0.0/16,fd00::/8)`,
    });
    return z.NEVER;
  }
  return entries;
});

const propagationCheckSchema = optionalText.transform((v, ctx) => {
  try {
    return parsePropagationCheck(v);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    return z.NEVER;
  }
});

// A zone name as grants take it (lowercase, no trailing dot, at least two labels).
const zoneNameSchema = optionalText.transform((v, ctx) => {
  if (v === undefined) return undefined;
  try {
    return parseGrantDomain(v);
  } catch (err) {
    if (!(err instanceof InvalidDomainError)) throw err;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${err.message} (expected a zone such as auth.example.com)`,
    });
    return z.NEVER;
  }
});

const booleanSchema = optionalText.transform((v, ctx) => {
  const word = (v ?? "false").trim().toLowerCase();
  if (word === "true" || word === "1" || word === "yes") return true;
  if (word === "false" || word === "0" || word === "no") return false;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be true or false" });
  return z.NEVER;
});

const schema = z.object({
  APP_PORT: portSchema.optional(),
  PORT: portSchema.optional(),
  APP_HOST: optionalText,
  APP_BASE_URL: optionalText.pipe(
    z
      .string()
      .url("must be a URL")
      .regex(/^https?:\/\//i, "must be an http:// or https:// URL")
      .refine((v) => !/[?#]/.test(v), "must not have a query or fragment (a path prefix is fine)")
      .optional(),
  ),
  APP_SECRET_KEY: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  POSTGRESQL_DB_CONNECT_STRING: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql://user:password@host:5432/database URL")
      .refine(
        (v) => URL.canParse(v),
        "is not a valid URL (percent-encode special characters in the password)",
      )
      .optional(),
  ),
  APP_DATA_DIR: z.string().min(1).default("./.data"),
  APP_GIT_REPO: optionalText.transform((v, ctx) => {
    if (v === undefined) return v;
    try {
      parseGitRemote(v);
      return v;
    } catch (err) {
      if (!(err instanceof InvalidGitRemoteError)) throw err;
      // The parser names the variable itself; here the problem does.
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message.replace(/^APP_GIT_REPO: /, "") });
      return z.NEVER;
    }
  }),
  APP_GIT_SSH_KEY: optionalText,
  APP_GIT_SSH_KEY_FILE: optionalText,
  APP_GIT_KNOWN_HOSTS: optionalText,
  APP_GIT_KNOWN_HOSTS_FILE: optionalText,
  APP_LOG_LEVEL: z
    .string()
    .default("info")
    .transform((v, ctx) => {
      const level = parseLogLevel(v);
      if (level === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be one of ${LOG_LEVELS.join(", ")}` });
        return z.NEVER;
      }
      return level;
    }),
  APP_AUDIT_RETENTION_DAYS: z
    .string()
    .default(String(AUDIT_RETENTION_DAYS.default))
    .transform((v, ctx) => {
      const days = parseAuditRetentionDays(v);
      if (days === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: AUDIT_RETENTION_RULE });
        return z.NEVER;
      }
      return days;
    }),
  APP_TRUSTED_PROXIES: trustedProxiesSchema,
  APP_PROPAGATION_CHECK: propagationCheckSchema,
  APP_PROPAGATION_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(60),
  APP_PROPAGATION_STRICT: booleanSchema,
  // Seconds; 0 turns the grace off (every login then needs the database).
  APP_AUTH_CACHE_MAX_STALE: z.coerce.number().int().min(0).max(86_400).default(600),
  APP_ACMEDNS_ZONE: zoneNameSchema,
  APP_ACMEDNS_REGISTER: booleanSchema,
});

/** The variables as parsed (defaults applied); what the Config is built from. */
export type ConfigEnv = z.infer<typeof schema>;

/** Variables whose value is shown in a message: never one that may hold a secret. */
const SECRET_NAME = /KEY|SECRET|PASSWORD|CONNECT|REPO|HOSTS/;

/**
 * Parses each variable on its own, so one bad value does not hide another: `values` holds the
 * variables that parsed, `problems` one entry per variable that did not. Pure.
 */
export function parseEnvironment(env: NodeJS.ProcessEnv): {
  values: Partial<ConfigEnv>;
  problems: ConfigProblem[];
} {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, field] of Object.entries(schema.shape) as [string, z.ZodTypeAny][]) {
    const parsed = field.safeParse(env[name]);
    if (parsed.success) {
      values[name] = parsed.data;
      continue;
    }
    const shown = env[name] !== undefined && !SECRET_NAME.test(name) ? ` (got "${env[name]}")` : "";
    for (const issue of parsed.error.issues)
      problems.push({ variables: [name], message: `${issue.message}${shown}` });
  }
  return { values: values as Partial<ConfigEnv>, problems };
}

/** The one place a parsed variable becomes a Config field. */
function toConfig(e: ConfigEnv): Config {
  return Object.freeze({
    port: e.APP_PORT ?? e.PORT ?? 8080,
    host: e.APP_HOST,
    baseUrl: e.APP_BASE_URL,
    secretKey: e.APP_SECRET_KEY,
    databaseUrl: e.POSTGRESQL_DB_CONNECT_STRING,
    dataDir: path.resolve(e.APP_DATA_DIR),
    gitRepo: e.APP_GIT_REPO,
    gitSshKey: e.APP_GIT_SSH_KEY,
    gitSshKeyFile: e.APP_GIT_SSH_KEY_FILE,
    gitKnownHosts: e.APP_GIT_KNOWN_HOSTS,
    gitKnownHostsFile: e.APP_GIT_KNOWN_HOSTS_FILE,
    logLevel: e.APP_LOG_LEVEL,
    auditRetentionDays: e.APP_AUDIT_RETENTION_DAYS,
    trustedProxies: Object.freeze([...e.APP_TRUSTED_PROXIES]),
    propagationCheck: e.APP_PROPAGATION_CHECK,
    propagationTimeoutSeconds: e.APP_PROPAGATION_TIMEOUT,
    propagationStrict: e.APP_PROPAGATION_STRICT,
    authCacheMaxStaleSeconds: e.APP_AUTH_CACHE_MAX_STALE,
    acmednsZone: e.APP_ACMEDNS_ZONE,
    acmednsRegister: e.APP_ACMEDNS_REGISTER,
  });
}

/** Pure: what one acme-dns variable needs of the other. */
function acmednsProblems(values: Partial<ConfigEnv>): ConfigProblem[] {
  if (values.APP_ACMEDNS_REGISTER !== true || values.APP_ACMEDNS_ZONE !== undefined) return [];
  return [
    {
      variables: ["APP_ACMEDNS_REGISTER"],
      message: "needs APP_ACMEDNS_ZONE: registered accounts get a label under that zone",
    },
  ];
}

/**
 * Parses the environment; throws one ConfigError naming every bad variable. `more` adds the
 * problems a command finds beyond each variable's own format (serve: what it requires).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  more: readonly ConfigProblem[] = [],
): Config {
  const { values, problems } = parseEnvironment(env);
  const all = [...problems, ...acmednsProblems(values), ...more];
  if (all.length > 0) throw new ConfigError(all, parseOptionNames(env.APP_OPTION_NAMES).names);
  return toConfig(schema.parse(env));
}
