import express, { type Router } from "express";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { DatabaseBreaker } from "../db/reachability.js";
import type { RecordStore } from "../dns/record-store.js";
import { redactCredentials } from "../dns/redact-credentials.js";
import type { HttpMetrics } from "./metrics.js";

/**
 * What /readyz says about each dependency. The endpoint is unauthenticated, so it names the check
 * that failed and never the reason: git's and the driver's words may quote hosts, URLs or
 * credentials. The reasons go to the log (redacted).
 */
export type ReadinessCheck = "ok" | "unreachable";

export function opsRoutes(deps: {
  knex: Knex;
  store: RecordStore;
  metrics: HttpMetrics;
  logger?: Logger | undefined;
  /** Told what the check found, so requests stop or resume trying the database with it. */
  breaker?: DatabaseBreaker | undefined;
}): Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const checks: Record<"database" | "git", ReadinessCheck> = { database: "ok", git: "ok" };
    try {
      await deps.knex.raw("select 1");
      deps.breaker?.succeeded();
    } catch (err) {
      deps.breaker?.failed(err);
      checks.database = "unreachable";
      deps.logger?.warn(
        { err: redactCredentials(err instanceof Error ? err.message : String(err)) },
        "readiness: the database is unreachable",
      );
    }
    try {
      // The store logs its own failures (redacted), once per change of reason.
      if (!(await deps.store.health()).ok) checks.git = "unreachable";
    } catch (err) {
      checks.git = "unreachable";
      deps.logger?.warn(
        { err: redactCredentials(err instanceof Error ? err.message : String(err)) },
        "readiness: the DNS repository check failed",
      );
    }
    const ok = checks.database === "ok" && checks.git === "ok";
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", checks });
  });
  router.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
