import type { Router } from "express";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { AuditLog } from "../audit/audit-log.js";
import { AuditRepo } from "../audit/audit-repo.js";
import { AuditRetention } from "../audit/retention.js";
import type { PasswordLogin } from "../auth/password-login.js";
import { parsePublicUrl } from "../http/public-url.js";
import { createAdminUi } from "./admin-router.js";

/** The audit trail, its retention and the admin pages, ready to hand to createApp. */
export interface AdminServices {
  readonly audit: AuditLog;
  readonly extraRouters: { path: string; router: Router }[];
  /** Stops pruning, then writes the audit entries still queued. */
  close(): Promise<void>;
}

export function startAdminServices(deps: {
  knex: Knex;
  logger: Logger;
  registry: Registry;
  auditRetentionDays: number;
  /** The password check createApp uses too: one throttle for every login route. */
  logins: PasswordLogin;
  /** APP_BASE_URL: the pages' links, redirects and cookies carry its path. */
  publicUrl?: string | undefined;
}): AdminServices {
  const repo = new AuditRepo(deps.knex);
  const audit = new AuditLog(repo, deps.logger, { registry: deps.registry });
  const ui = createAdminUi({
    knex: deps.knex,
    audit,
    logins: deps.logins,
    logger: deps.logger,
    pathPrefix: parsePublicUrl(deps.publicUrl).pathPrefix,
  });
  const retention = new AuditRetention(repo, deps.logger, {
    retentionDays: deps.auditRetentionDays,
    extraTasks: [{ name: "expired admin sessions", run: (now) => ui.sessions.deleteExpired(now) }],
  });
  retention.start();
  return {
    audit,
    extraRouters: [{ path: "/admin", router: ui.router }],
    async close() {
      await retention.stop();
      await audit.close();
    },
  };
}
