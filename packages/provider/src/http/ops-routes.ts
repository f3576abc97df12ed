import express, { type Router } from "express";
import type { Knex } from "knex";
import type { RecordStore } from "../dns/record-store.js";
import type { HttpMetrics } from "./metrics.js";

export function opsRoutes(deps: { knex: Knex; store: RecordStore; metrics: HttpMetrics }): Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const checks: Record<string, { ok: boolean; detail: string }> = {};
    try {
      await deps.knex.raw("select 1");
      checks.database = { ok: true, detail: "reachable" };
    } catch (err) {
      checks.database = { ok: false, detail: err instanceof Error ? err.message : "unreachable" };
    }
    try {
      checks.git = await deps.store.health();
    } catch (err) {
      checks.git = { ok: false, detail: err instanceof Error ? err.message : "unreachable" };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", checks });
  });
  router.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
