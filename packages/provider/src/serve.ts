import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { Accounts } from "./accounts.js";
import { startAdminServices } from "./admin/admin-wiring.js";
import { createApp, createPasswordLogin } from "./app.js";
import { PrincipalCache } from "./auth/principal-cache.js";
import {
  PRINCIPAL_CHANGE_CHANNEL,
  principalChangeNotifyMigration,
} from "./auth/principal-change-migration.js";
import { banner } from "./banner.js";
import { type Config, ConfigError } from "./config.js";
import { openDatabase } from "./db/database.js";
import { migrate, pendingMigrations } from "./db/migrations.js";
import { DatabaseBreaker, knexProbe } from "./db/reachability.js";
import { ensureDemoUser } from "./dev-demo.js";
import { ensureDemoRepository } from "./dns/demo-repository.js";
import { createGitRecordStore } from "./dns/git-record-store.js";
import { PropagationWaiter } from "./dns/propagation/propagation-waiter.js";
import type { RecordStore } from "./dns/record-store.js";
import { redactCredentials } from "./dns/redact-credentials.js";
import { createReplicaRecordStore } from "./dns/replica-record-store.js";
import { restrictFileCreation, tightenTree } from "./file-modes.js";
import { createMetrics } from "./http/metrics.js";
import { createLimitedServer } from "./http/server-limits.js";
import { createLogger } from "./logger.js";
import { devSecretKey } from "./secret-key.js";
import { MISSING_GIT_REPO, MISSING_SECRET_KEY } from "./serve-config.js";

export interface ServeOptions {
  /** Development defaults: demo repository, demo user, generated signing key. */
  readonly dev: boolean;
  readonly migrate: boolean;
}

export interface RunningService {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the service; resolves once it listens. SIGTERM/SIGINT drain and exit. */
export async function serve(config: Config, options: ServeOptions): Promise<RunningService> {
  const logger = createLogger(config.logLevel);
  // Before anything touches the data directory: keys, database and clone are private to this user.
  restrictFileCreation();
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const tightened = await tightenTree(config.dataDir);
  if (tightened.length > 0) {
    logger.warn(
      { dataDir: config.dataDir, count: tightened.length, examples: tightened.slice(0, 5) },
      "APP_DATA_DIR had files readable by other users: removed group and other permissions",
    );
  }
  const secretKey = config.secretKey ?? (options.dev ? await devSecretKey(config.dataDir) : undefined);
  // loadServeConfig has checked these; kept for callers that build a Config themselves.
  if (!secretKey) throw new ConfigError([MISSING_SECRET_KEY]);
  if (!config.gitRepo && !options.dev) throw new ConfigError([MISSING_GIT_REPO]);
  const repo = config.gitRepo ?? (await ensureDemoRepository(config.dataDir));
  if (!config.gitRepo) logger.info({ repo }, "APP_GIT_REPO is not set: using the local demo DNS repository");

  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    role: "server",
    // A refused connection is knex's warning with a stack, once per attempt; the breaker already
    // says once that the database is down, so those go to debug.
    log: (level, message) =>
      logger[level === "warn" && message.startsWith("Acquire connection error") ? "debug" : level](
        { component: "database" },
        message,
      ),
  });
  try {
    if (options.migrate) {
      const applied = await migrate(db.knex, undefined, { exclusive: db.kind === "postgresql" });
      if (applied.length > 0) logger.info({ applied }, "database migrated");
    }
    const demo = options.dev ? await ensureDemoUser(new Accounts(db.knex), config.dataDir) : undefined;
    const metrics = createMetrics();
    const store = await createGitRecordStore({
      repo,
      dataDir: config.dataDir,
      logger,
      metrics: metrics.registry,
      ...(config.gitSshKey ? { sshKey: config.gitSshKey } : {}),
      ...(config.gitSshKeyFile ? { sshKeyFile: config.gitSshKeyFile } : {}),
      ...(config.gitKnownHosts ? { knownHosts: config.gitKnownHosts } : {}),
      ...(config.gitKnownHostsFile ? { knownHostsFile: config.gitKnownHostsFile } : {}),
    });
    const propagation =
      config.propagationCheck.kind === "off"
        ? undefined
        : new PropagationWaiter({
            check: config.propagationCheck,
            timeoutSeconds: config.propagationTimeoutSeconds,
            strict: config.propagationStrict,
            zones: store,
            logger,
            metrics: metrics.registry,
          });
    if (propagation !== undefined) {
      logger.info(
        { propagationCheck: config.propagationCheck, timeoutSeconds: config.propagationTimeoutSeconds },
        "/present waits until the authoritative DNS servers serve the record",
      );
    }
    // Once a query finds the database unreachable, the hot path stops trying it per request
    // until a background probe finds it back (docs/operations: database outage).
    const breaker = new DatabaseBreaker({
      probe: knexProbe(db.knex),
      onChange: (down, err) => {
        if (down)
          logger.warn(
            { err: redactCredentials(err instanceof Error ? err.message : String(err)) },
            "database unreachable: serving recently verified clients from memory until it is back",
          );
        else logger.info("database reachable again");
      },
    });
    // On PostgreSQL, replicas of one remote hand their changes to one writer (decision 0109);
    // the embedded database has one process, which writes the repository itself.
    let records: RecordStore = store;
    if (db.kind === "postgresql" && config.databaseUrl) {
      const replicas = createReplicaRecordStore({
        inner: store,
        knex: db.knex,
        databaseUrl: config.databaseUrl,
        remoteKey: `${store.remote.displayUrl}\n${store.remote.branch ?? ""}`,
        logger,
        metrics: metrics.registry,
        breaker,
      });
      await replicas.start();
      records = replicas;
    }
    const principals = new PrincipalCache(new Accounts(db.knex).users, {
      maxStaleMs: config.authCacheMaxStaleSeconds * 1000,
      onLookup: (source) => metrics.principalLookups.inc({ source }),
      breaker,
    });
    // Without the triggers nothing would announce a change: every login then reads the database.
    const pending = await pendingMigrations(db.knex).catch(() => [principalChangeNotifyMigration.name]);
    const announced = !pending.includes(principalChangeNotifyMigration.name);
    const feed = announced
      ? await db.listen(PRINCIPAL_CHANGE_CHANNEL, principals, (err) =>
          logger.warn(
            { err: redactCredentials(err instanceof Error ? err.message : String(err)) },
            "principal change feed lost: users and grants are read from the database until it is back",
          ),
        )
      : undefined;
    if (feed) principals.follow(feed);
    else logger.warn("database not migrated: users and grants are read from the database on every login");
    const logins = createPasswordLogin(principals, metrics);
    const admin = startAdminServices({
      knex: db.knex,
      logger,
      registry: metrics.registry,
      auditRetentionDays: config.auditRetentionDays,
      logins,
      publicUrl: config.baseUrl,
    });
    const { audit, extraRouters } = admin;
    const app = createApp({
      db,
      store: records,
      logger,
      secretKey,
      metrics,
      audit,
      logins,
      principals,
      breaker,
      extraRouters,
      trustedProxies: config.trustedProxies,
      publicUrl: config.baseUrl,
      propagation,
      acmedns: { zone: config.acmednsZone, register: config.acmednsRegister },
    });
    const host = config.host ?? (options.dev ? "127.0.0.1" : "0.0.0.0");
    const server = createLimitedServer(app.express);
    server.listen(config.port, host);
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const address = server.address() as AddressInfo;
    const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    const url = `http://${shownHost}:${address.port}`;
    process.stdout.write(
      banner({ url, publicUrl: config.baseUrl, repo: store.remote.displayUrl, db: db.description, demo }),
    );
    logger.info({ port: address.port, host }, "listening");

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        logger.info("shutting down: finishing in-flight requests");
        propagation?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        breaker.close();
        await records.close();
        await admin.close();
        await feed?.close();
        await db.close();
        logger.info("stopped");
      })();
      return stopping;
    };
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, "error during shutdown");
            process.exit(1);
          },
        );
      });
    }
    return { url, stop };
  } catch (err) {
    await db.close();
    throw err;
  }
}
