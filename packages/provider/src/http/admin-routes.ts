import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod/v3";
import type { Accounts } from "../accounts.js";
import { checkUsername } from "../accounts.js";
import { recordAdminApiChanges } from "../audit/admin-api-audit.js";
import { auditApiRoutes } from "../audit/audit-api.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import { hashPassword } from "../auth/django-password.js";
import { MAX_USERNAME_LENGTH, type PasswordLogin } from "../auth/password-login.js";
import { InvalidTokenError, type TokenService } from "../auth/tokens.js";
import type { UsedRefreshTokens } from "../auth/used-refresh-tokens.js";
import { InvalidDomainError, parseGrantDomain } from "../challenge/dns-name.js";
import type { PermissionRow } from "../db/grants-repo.js";
import type { UserRow } from "../db/users-repo.js";
import { AppError } from "../errors.js";
import type { PublicUrl } from "./public-url.js";

/** Response shapes close to the Django REST framework serializers of the app we replace. */
const userJson = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  is_staff: u.isStaff,
  is_active: u.isActive,
});
const permissionJson = (p: PermissionRow) => ({
  id: p.id,
  domain: p.domainId,
  user: p.userId,
  access_level: p.accessLevel,
  text: p.text,
});

function body<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, req: Request): T {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "body";
    throw new AppError("bad_request", `${field}: ${issue?.message ?? "invalid"}`, { details: { field } });
  }
  return parsed.data;
}

function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError("not_found", "Not found");
  return id;
}

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === "string" ? v : undefined;
}

function grantDomain(raw: string): string {
  try {
    return parseGrantDomain(raw);
  } catch (err) {
    if (err instanceof InvalidDomainError)
      throw new AppError("bad_request", err.message, { details: { field: "fqdn" } });
    throw err;
  }
}

const username = z
  .string()
  .min(1)
  .max(150)
  .refine((u) => {
    try {
      checkUsername(u);
      return true;
    } catch {
      return false;
    }
  }, "use 1-150 letters, digits and @ . + - _ only");
const userCreate = z.object({
  username,
  password: z.string().min(1),
  email: z.string().max(254).optional(),
  is_staff: z.boolean().optional(),
});
const userUpdate = userCreate.partial().extend({ is_active: z.boolean().optional() });
const domainCreate = z.object({ fqdn: z.string().min(1).max(255) });
const accessLevel = z.enum(["domain", "subdomain"]);
const permissionCreate = z.object({
  domain: z.number().int().positive(),
  user: z.number().int().positive(),
  access_level: accessLevel,
  text: z.string().nullable().optional(),
});
const permissionUpdate = permissionCreate.partial();
const tokenObtain = z.object({
  username: z.string().min(1).max(MAX_USERNAME_LENGTH),
  password: z.string().min(1),
});
const tokenRefresh = z.object({ refresh: z.string().min(1) });

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

export function adminRoutes(deps: {
  accounts: Accounts;
  authenticator: Authenticator;
  tokens: TokenService | undefined;
  logins: PasswordLogin;
  usedRefreshTokens: UsedRefreshTokens;
  audit?: AuditLog | undefined;
  /** APP_BASE_URL, for the absolute links in paged answers. */
  publicUrl?: PublicUrl | undefined;
}): Router {
  const { accounts } = deps;
  const router = express.Router();
  router.use(express.json({ limit: "64kb" }));

  router.post(
    "/auth/token",
    wrap(async (req, res) => {
      if (!deps.tokens) throw new AppError("not_found", "Token authentication is not configured");
      const creds = body(tokenObtain, req);
      const result = await deps.logins.check(creds.username, creds.password, req.ip ?? "unknown");
      // simplejwt's wording, for an unknown name, a wrong password and an inactive user alike.
      if (!result.ok)
        throw new AppError("unauthorized", "No active account found with the given credentials");
      res.json(await deps.tokens.pair(result.found.user));
    }),
  );

  router.post(
    "/auth/token/refresh",
    wrap(async (req, res) => {
      const tokens = deps.tokens;
      if (!tokens) throw new AppError("not_found", "Token authentication is not configured");
      const { refresh } = body(tokenRefresh, req);
      const verified = await tokens
        .verify(refresh, "refresh", (id) => accounts.users.findById(id))
        .catch((err: unknown) => {
          throw err instanceof InvalidTokenError ? new AppError("unauthorized", err.message) : err;
        });
      // Rotation: each refresh token buys exactly one new pair.
      if (
        !(await deps.usedRefreshTokens.consume(verified.jti, verified.user.id, new Date(verified.exp * 1000)))
      )
        throw new AppError("unauthorized", "Token has already been used: log in again");
      res.json(await tokens.pair(verified.user));
    }),
  );

  // Everything below is for staff only.
  router.use((req: Request, res: Response, next: NextFunction) => {
    deps.authenticator
      .authenticate(req.get("authorization"), req.ip ?? "unknown")
      .then((principal: Principal) => {
        if (!principal.user.isStaff)
          throw new AppError("forbidden", "You do not have permission to perform this action");
        res.locals.username = principal.user.username;
        res.locals.admin = principal.user;
        next();
      })
      .catch(next);
  });

  if (deps.audit) {
    router.use(recordAdminApiChanges({ accounts, audit: deps.audit }));
    router.use("/audit", auditApiRoutes(deps.audit, deps.publicUrl));
  }

  // Users
  router.get(
    "/users",
    wrap(async (req, res) => {
      const u = query(req, "username");
      res.json((await accounts.users.list(u === undefined ? {} : { username: u })).map(userJson));
    }),
  );
  router.post(
    "/users",
    wrap(async (req, res) => {
      const b = body(userCreate, req);
      if (await accounts.users.findByUsername(b.username)) {
        throw new AppError("bad_request", "A user with that username already exists.", {
          details: { field: "username" },
        });
      }
      const user = await accounts.users.create({
        username: b.username,
        password: await hashPassword(b.password),
        ...(b.email !== undefined ? { email: b.email } : {}),
        isStaff: b.is_staff ?? false,
      });
      res.status(201).json(userJson(user));
    }),
  );
  router.get(
    "/users/:id",
    wrap(async (req, res) => {
      const user = await accounts.users.findById(idParam(req));
      if (!user) throw new AppError("not_found", "Not found");
      res.json(userJson(user));
    }),
  );
  const updateUser = (partial: boolean) =>
    wrap(async (req, res) => {
      const b = body(partial ? userUpdate : userCreate.extend({ is_active: z.boolean().optional() }), req);
      const id = idParam(req);
      if (b.username !== undefined) {
        const holder = await accounts.users.findByUsername(b.username);
        if (holder && holder.id !== id) {
          throw new AppError("bad_request", "A user with that username already exists.", {
            details: { field: "username" },
          });
        }
      }
      const user = await accounts.users.update(id, {
        ...(b.username !== undefined ? { username: b.username } : {}),
        ...(b.password !== undefined ? { password: await hashPassword(b.password) } : {}),
        ...(b.email !== undefined ? { email: b.email } : {}),
        ...(b.is_staff !== undefined ? { isStaff: b.is_staff } : {}),
        ...(b.is_active !== undefined ? { isActive: b.is_active } : {}),
      });
      if (!user) throw new AppError("not_found", "Not found");
      res.json(userJson(user));
    });
  router.put("/users/:id", updateUser(false));
  router.patch("/users/:id", updateUser(true));
  router.delete(
    "/users/:id",
    wrap(async (req, res) => {
      if (!(await accounts.users.delete(idParam(req)))) throw new AppError("not_found", "Not found");
      res.status(204).end();
    }),
  );

  // Domains
  router.get(
    "/domains",
    wrap(async (req, res) => {
      const f = query(req, "fqdn");
      res.json(await accounts.grants.listDomains(f === undefined ? {} : { fqdn: f }));
    }),
  );
  router.post(
    "/domains",
    wrap(async (req, res) => {
      const fqdn = grantDomain(body(domainCreate, req).fqdn);
      if (await accounts.grants.findDomain(fqdn)) {
        throw new AppError("bad_request", "domain with this fqdn already exists.", {
          details: { field: "fqdn" },
        });
      }
      res.status(201).json(await accounts.grants.createDomain(fqdn));
    }),
  );
  router.get(
    "/domains/:id",
    wrap(async (req, res) => {
      const d = await accounts.grants.getDomain(idParam(req));
      if (!d) throw new AppError("not_found", "Not found");
      res.json(d);
    }),
  );
  const updateDomain = wrap(async (req, res) => {
    const fqdn = grantDomain(body(domainCreate, req).fqdn);
    const id = idParam(req);
    const holder = await accounts.grants.findDomain(fqdn);
    if (holder && holder.id !== id) {
      throw new AppError("bad_request", "domain with this fqdn already exists.", {
        details: { field: "fqdn" },
      });
    }
    const d = await accounts.grants.updateDomain(id, fqdn);
    if (!d) throw new AppError("not_found", "Not found");
    res.json(d);
  });
  router.put("/domains/:id", updateDomain);
  router.patch("/domains/:id", updateDomain);
  router.delete(
    "/domains/:id",
    wrap(async (req, res) => {
      if (!(await accounts.grants.deleteDomain(idParam(req)))) throw new AppError("not_found", "Not found");
      res.status(204).end();
    }),
  );

  // Grants
  router.get(
    "/domain-user-permissions",
    wrap(async (req, res) => {
      const u = query(req, "username");
      const f = query(req, "fqdn");
      const rows = await accounts.grants.listPermissions({
        ...(u === undefined ? {} : { username: u }),
        ...(f === undefined ? {} : { fqdn: f }),
      });
      res.json(rows.map(permissionJson));
    }),
  );
  const checkRefs = async (user: number | undefined, domain: number | undefined) => {
    if (user !== undefined && !(await accounts.users.findById(user))) {
      throw new AppError("bad_request", `Invalid pk "${user}" - object does not exist.`, {
        details: { field: "user" },
      });
    }
    if (domain !== undefined && !(await accounts.grants.getDomain(domain))) {
      throw new AppError("bad_request", `Invalid pk "${domain}" - object does not exist.`, {
        details: { field: "domain" },
      });
    }
  };
  router.post(
    "/domain-user-permissions",
    wrap(async (req, res) => {
      const b = body(permissionCreate, req);
      await checkRefs(b.user, b.domain);
      const existing = await accounts.grants.listPermissions({ userId: b.user });
      if (existing.some((p) => p.domainId === b.domain && p.accessLevel === b.access_level)) {
        throw new AppError("bad_request", "The fields user, domain, access_level must make a unique set.");
      }
      const row = await accounts.grants.createPermission({
        userId: b.user,
        domainId: b.domain,
        accessLevel: b.access_level,
        text: b.text ?? null,
      });
      res.status(201).json(permissionJson(row));
    }),
  );
  router.get(
    "/domain-user-permissions/:id",
    wrap(async (req, res) => {
      const p = await accounts.grants.getPermission(idParam(req));
      if (!p) throw new AppError("not_found", "Not found");
      res.json(permissionJson(p));
    }),
  );
  const updatePermission = (partial: boolean) =>
    wrap(async (req, res) => {
      const b = body(partial ? permissionUpdate : permissionCreate, req);
      await checkRefs(b.user, b.domain);
      const p = await accounts.grants.updatePermission(idParam(req), {
        ...(b.user !== undefined ? { userId: b.user } : {}),
        ...(b.domain !== undefined ? { domainId: b.domain } : {}),
        ...(b.access_level !== undefined ? { accessLevel: b.access_level } : {}),
        ...(b.text !== undefined ? { text: b.text } : {}),
      });
      if (!p) throw new AppError("not_found", "Not found");
      res.json(permissionJson(p));
    });
  router.put("/domain-user-permissions/:id", updatePermission(false));
  router.patch("/domain-user-permissions/:id", updatePermission(true));
  router.delete(
    "/domain-user-permissions/:id",
    wrap(async (req, res) => {
      if (!(await accounts.grants.deletePermission(idParam(req))))
        throw new AppError("not_found", "Not found");
      res.status(204).end();
    }),
  );
  return router;
}
