import type { Knex } from "knex";
import { generatePassword, hashPassword } from "./auth/django-password.js";
import { InvalidDomainError, parseGrantDomain } from "./challenge/dns-name.js";
import type { AccessLevel } from "./challenge/permission.js";
import { GrantsRepo } from "./db/grants-repo.js";
import { type UserRow, UsersRepo } from "./db/users-repo.js";
import { AppError } from "./errors.js";

/** Django's username rule: up to 150 of letters, digits and @ . + - _ */
const USERNAME = /^[\p{L}\p{N}_.@+-]{1,150}$/u;

export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    throw new AppError(
      "bad_request",
      `Invalid username "${username}": use 1-150 letters, digits and @ . + - _ only`,
      { details: { field: "username" } },
    );
  }
  return username;
}

export interface DomainList {
  readonly username: string;
  readonly domains: string[];
  readonly subdomains: string[];
}

export interface GrantRequest {
  readonly domains: readonly string[];
  readonly subdomains: readonly string[];
}

function requested(req: GrantRequest): { raw: string; level: AccessLevel }[] {
  return [
    ...req.domains.map((raw) => ({ raw, level: "domain" as const })),
    ...req.subdomains.map((raw) => ({ raw, level: "subdomain" as const })),
  ];
}

/**
 * The management operations behind the CLI, the admin API and the charm's actions, with the
 * Django management commands' semantics — except that a batch is all-or-nothing: when one item
 * fails, nothing is changed and every failure is reported.
 */
export class Accounts {
  readonly users: UsersRepo;
  readonly grants: GrantsRepo;

  constructor(private readonly knex: Knex) {
    this.users = new UsersRepo(knex);
    this.grants = new GrantsRepo(knex);
  }

  async requireUser(username: string, trx: Knex = this.knex): Promise<UserRow> {
    const user = await this.users.findByUsername(username, trx);
    if (!user)
      throw new AppError("not_found", `User "${username}" does not exist`, {
        details: { field: "username" },
      });
    return user;
  }

  /** Creates the user, or sets a new password on an existing one. */
  async createOrUpdateUser(
    username: string,
    options: { password?: string; staff?: boolean; email?: string } = {},
  ): Promise<{ user: UserRow; created: boolean; password: string; generated: boolean }> {
    checkUsername(username);
    const generated = options.password === undefined;
    const password = options.password ?? generatePassword();
    if (password.length === 0) throw new AppError("bad_request", "The password must not be empty");
    const hash = await hashPassword(password);
    return this.knex.transaction(async (trx) => {
      const existing = await this.users.findByUsername(username, trx);
      if (existing) {
        const user = await this.users.update(
          existing.id,
          {
            password: hash,
            isActive: true,
            ...(options.staff ? { isStaff: true, isSuperuser: true } : {}),
            ...(options.email !== undefined ? { email: options.email } : {}),
          },
          trx,
        );
        if (!user)
          throw new AppError("conflict", `User "${username}" was deleted meanwhile`, {
            details: { field: "username" },
          });
        return { user, created: false, password, generated };
      }
      const user = await this.users.create(
        {
          username,
          password: hash,
          ...(options.email !== undefined ? { email: options.email } : {}),
          isStaff: options.staff ?? false,
          isSuperuser: options.staff ?? false,
        },
        trx,
      );
      return { user, created: true, password, generated };
    });
  }

  private validate(req: GrantRequest): { domain: string; level: AccessLevel }[] {
    const items = requested(req);
    if (items.length === 0)
      throw new AppError("bad_request", "Give at least one of --domains or --subdomains", {
        details: { field: "domains" },
      });
    const failures: string[] = [];
    const valid: { domain: string; level: AccessLevel }[] = [];
    for (const { raw, level } of items) {
      try {
        valid.push({ domain: parseGrantDomain(raw), level });
      } catch (err) {
        if (!(err instanceof InvalidDomainError)) throw err;
        failures.push(`[Domain: ${raw}, Access: ${level}] ${err.message}`);
      }
    }
    if (failures.length > 0)
      throw new AppError("bad_request", `Nothing was changed:\n${failures.join("\n")}`, {
        details: { field: "domains" },
      });
    return valid;
  }

  async allowDomains(username: string, req: GrantRequest): Promise<{ granted: number; alreadyHeld: number }> {
    const items = this.validate(req);
    return this.knex.transaction(async (trx) => {
      const user = await this.requireUser(username, trx);
      let granted = 0;
      for (const { domain, level } of items) {
        const row = await this.grants.ensureDomain(domain, trx);
        if (await this.grants.grant(user.id, row.id, level, null, trx)) granted += 1;
      }
      return { granted, alreadyHeld: items.length - granted };
    });
  }

  async revokeDomains(username: string, req: GrantRequest): Promise<{ revoked: number }> {
    const items = this.validate(req);
    return this.knex.transaction(async (trx) => {
      const user = await this.requireUser(username, trx);
      const failures: string[] = [];
      for (const { domain, level } of items) {
        const row = await this.grants.findDomain(domain, trx);
        if (!row) failures.push(`[Domain: ${domain}, Access Level: ${level}] Domain does not exist.`);
        else if (!(await this.grants.revoke(user.id, row.id, level, trx))) {
          failures.push(
            `[Domain: ${domain}, Access Level: ${level}] User "${username}" does not hold this grant.`,
          );
        }
      }
      // Throwing rolls the transaction back: a batch with any failure changes nothing.
      if (failures.length > 0)
        throw new AppError("not_found", `Nothing was revoked:\n${failures.join("\n")}`, {
          details: { field: "domains" },
        });
      return { revoked: items.length };
    });
  }

  /**
   * Activates or deactivates a user; its grants stay. Takes effect at once everywhere: every
   * request loads the user row, and tokens carry a fingerprint of `is_active` (decision 0702).
   */
  async setActive(username: string, active: boolean): Promise<{ username: string; changed: boolean }> {
    return this.knex.transaction(async (trx) => {
      const user = await this.requireUser(username, trx);
      if (user.isActive === active) return { username, changed: false };
      await this.users.update(user.id, { isActive: active }, trx);
      return { username, changed: true };
    });
  }

  /** Deletes a user and its grants (its admin sessions go with it); audit rows keep its name. */
  async deleteUser(username: string): Promise<DomainList> {
    return this.knex.transaction(async (trx) => {
      const user = await this.requireUser(username, trx);
      const [held] = await this.listDomains(username, trx);
      await this.users.delete(user.id, trx);
      return held ?? { username, domains: [], subdomains: [] };
    });
  }

  async listDomains(username: string, trx: Knex = this.knex): Promise<DomainList[]> {
    const users = username === "*" ? await this.users.list() : [await this.requireUser(username, trx)];
    const permissions = await this.grants.listPermissions(username === "*" ? {} : { username }, trx);
    users.sort((a, b) => a.id - b.id);
    return users.map((u) => {
      const mine = permissions.filter((p) => p.userId === u.id);
      return {
        username: u.username,
        domains: mine
          .filter((p) => p.accessLevel === "domain")
          .map((p) => p.fqdn)
          .sort(),
        subdomains: mine
          .filter((p) => p.accessLevel === "subdomain")
          .map((p) => p.fqdn)
          .sort(),
      };
    });
  }
}

/** The Django `list_domains` command's text layout. */
export function formatDomainList(lists: readonly DomainList[]): string {
  return lists
    .map((l) => {
      const out = [`\n${l.username}:`];
      if (l.domains.length > 0) out.push("    domains:", `        ${l.domains.join(", ")}`);
      if (l.subdomains.length > 0) out.push("    subdomains:", `        ${l.subdomains.join(", ")}`);
      return out.join("\n");
    })
    .join("\n");
}
