import { isIP } from "node:net";
import path from "node:path";
// zod's v3 API: the same validation for a third of v4's resident memory (decision 0107).
import { z } from "zod/v3";
import { InvalidDomainError, parseGrantDomain } from "./challenge/dns-name.js";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "./log-level.js";

/** Validated service configuration. Read from the environment once, at start-up. */
export interface Config {
  readonly port: number;
  /** Listen address; undefined means 0.0.0.0 in production and 127.0.0.1 in `serve --dev`. */
  readonly host: string | undefined;
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
  /** APP_ACMEDNS_ZONE: the zone acme-dns account labels live under (`<label>.<zone>`); undefined: none. */
  readonly acmednsZone: string | undefined;
  /** APP_ACMEDNS_REGISTER: acme-dns's anonymous POST /register creates accounts under acmednsZone. */
  readonly acmednsRegister: boolean;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
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
  const word = (v ?? "false").toLowerCase();
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
      .optional(),
  ),
  APP_SECRET_KEY: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  POSTGRESQL_DB_CONNECT_STRING: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql://user:password@host:5432/database URL")
      .optional(),
  ),
  APP_DATA_DIR: z.string().min(1).default("./.data"),
  APP_GIT_REPO: optionalText,
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
  APP_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  APP_TRUSTED_PROXIES: trustedProxiesSchema,
  APP_ACMEDNS_ZONE: zoneNameSchema,
  APP_ACMEDNS_REGISTER: booleanSchema,
});

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema
    .refine((e) => !e.APP_ACMEDNS_REGISTER || e.APP_ACMEDNS_ZONE !== undefined, {
      message: "needs APP_ACMEDNS_ZONE: registered accounts get a label under that zone",
      path: ["APP_ACMEDNS_REGISTER"],
    })
    .safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const shown = name in env && !/KEY|SECRET|PASSWORD|CONNECT/.test(name) ? ` (got "${env[name]}")` : "";
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
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
    acmednsZone: e.APP_ACMEDNS_ZONE,
    acmednsRegister: e.APP_ACMEDNS_REGISTER,
  });
}
