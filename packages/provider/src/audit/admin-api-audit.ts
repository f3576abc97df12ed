import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Accounts } from "../accounts.js";
import { adminEntry } from "./audit-entry.js";
import type { AuditSink } from "./audit-log.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const RESOURCE = /^\/(users|domains|domain-user-permissions)(?:\/(\d+))?\/?$/;
const NOUN = { users: "user", domains: "domain", "domain-user-permissions": "grant" } as const;
const VERB: Record<string, string> = { POST: "create", PUT: "update", PATCH: "update", DELETE: "delete" };

type Resource = keyof typeof NOUN;

interface Described {
  readonly text: string;
  readonly target: string | null;
  readonly fqdn: string | null;
}

/** The fields of a request body worth recording; passwords only as "changed". */
function fieldsOf(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === "password") out.push("password changed");
    else if (["string", "number", "boolean"].includes(typeof v) || v === null) out.push(`${k}=${String(v)}`);
  }
  return out;
}

/**
 * Records every successful change made through the JSON admin API (who, what, when): a
 * middleware mounted after the staff check, so the actor is known.
 */
export function recordAdminApiChanges(deps: { accounts: Accounts; audit: AuditSink }): RequestHandler {
  const { accounts } = deps;

  async function describe(resource: Resource, id: number): Promise<Described | undefined> {
    if (resource === "users") {
      const u = await accounts.users.findById(id);
      return u && { text: `user ${u.username}`, target: u.username, fqdn: null };
    }
    if (resource === "domains") {
      const d = await accounts.grants.getDomain(id);
      return d && { text: `domain ${d.fqdn}`, target: null, fqdn: d.fqdn };
    }
    const p = await accounts.grants.getPermission(id);
    return (
      p && { text: `${p.accessLevel} grant on ${p.fqdn} for ${p.username}`, target: p.username, fqdn: p.fqdn }
    );
  }

  async function describeNewGrant(body: unknown): Promise<Described | undefined> {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.user !== "number" || typeof b.domain !== "number") return undefined;
    const [u, d] = [await accounts.users.findById(b.user), await accounts.grants.getDomain(b.domain)];
    if (!u || !d) return undefined;
    return {
      text: `${String(b.access_level)} grant on ${d.fqdn} for ${u.username}`,
      target: u.username,
      fqdn: d.fqdn,
    };
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const m = RESOURCE.exec(req.path);
    if (!MUTATING.has(req.method) || !m) {
      next();
      return;
    }
    const resource = m[1] as Resource;
    const id = m[2] === undefined ? undefined : Number(m[2]);
    const actor = String(res.locals.username ?? "");
    const lookup =
      id !== undefined
        ? describe(resource, id)
        : resource === "domain-user-permissions"
          ? describeNewGrant(req.body)
          : Promise.resolve(undefined);
    // Described before the handler runs, so a deleted object is still named.
    lookup
      .catch(() => undefined)
      .then((old) => {
        res.on("finish", () => {
          if (res.statusCode >= 300) return;
          const body = req.body as Record<string, unknown> | undefined;
          const fields = fieldsOf(body);
          const target =
            old?.target ??
            (resource === "users" && typeof body?.username === "string" ? body.username : null);
          const fqdn =
            old?.fqdn ?? (resource === "domains" && typeof body?.fqdn === "string" ? body.fqdn : null);
          const what = [old ? old.text : `${NOUN[resource]}${id === undefined ? "" : ` #${id}`}`];
          if (req.method !== "DELETE" && fields.length > 0) what.push(`(${fields.join(", ")})`);
          deps.audit.record(
            adminEntry({
              source: "admin-api",
              actor,
              action: `${NOUN[resource]}.${VERB[req.method]}`,
              target,
              fqdn,
              detail: `${VERB[req.method]} ${what.join(" ")}`,
            }),
          );
        });
        next();
      });
  };
}
