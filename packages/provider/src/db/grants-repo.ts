import type { Knex } from "knex";
import type { AccessLevel } from "../challenge/permission.js";

export interface DomainRow {
  readonly id: number;
  readonly fqdn: string;
}

export interface PermissionRow {
  readonly id: number;
  readonly domainId: number;
  readonly userId: number;
  readonly accessLevel: AccessLevel;
  readonly text: string | null;
  readonly fqdn: string;
  readonly username: string;
}

interface RawPermission {
  id: string | number;
  domain_id: string | number;
  user_id: number;
  access_level: AccessLevel;
  text: string | null;
  fqdn: string;
  username: string;
}

// bigint columns arrive as strings from pg; ids here stay far below 2^53.
const toDomain = (r: { id: string | number; fqdn: string }): DomainRow => ({
  id: Number(r.id),
  fqdn: r.fqdn,
});
const toPermission = (r: RawPermission): PermissionRow => ({
  id: Number(r.id),
  domainId: Number(r.domain_id),
  userId: r.user_id,
  accessLevel: r.access_level,
  text: r.text,
  fqdn: r.fqdn,
  username: r.username,
});

export class GrantsRepo {
  constructor(private readonly knex: Knex) {}

  private permissionQuery(trx: Knex) {
    return trx("api_domainuserpermission as p")
      .join("api_domain as d", "d.id", "p.domain_id")
      .join("auth_user as u", "u.id", "p.user_id")
      .select<RawPermission[]>(
        "p.id",
        "p.domain_id",
        "p.user_id",
        "p.access_level",
        "p.text",
        "d.fqdn",
        "u.username",
      );
  }

  async listPermissions(
    filter: { username?: string; fqdn?: string; userId?: number } = {},
    trx: Knex = this.knex,
  ) {
    const q = this.permissionQuery(trx).orderBy("p.id");
    if (filter.username !== undefined) q.where("u.username", filter.username);
    if (filter.fqdn !== undefined) q.where("d.fqdn", filter.fqdn);
    if (filter.userId !== undefined) q.where("p.user_id", filter.userId);
    return (await q).map(toPermission);
  }

  async getPermission(id: number, trx: Knex = this.knex): Promise<PermissionRow | undefined> {
    const r = await this.permissionQuery(trx).where("p.id", id).first();
    return r ? toPermission(r) : undefined;
  }

  async findDomain(fqdn: string, trx: Knex = this.knex): Promise<DomainRow | undefined> {
    const r = await trx("api_domain").select("id", "fqdn").where({ fqdn }).first();
    return r ? toDomain(r) : undefined;
  }

  async getDomain(id: number, trx: Knex = this.knex): Promise<DomainRow | undefined> {
    const r = await trx("api_domain").select("id", "fqdn").where({ id }).first();
    return r ? toDomain(r) : undefined;
  }

  async listDomains(filter: { fqdn?: string } = {}): Promise<DomainRow[]> {
    const q = this.knex("api_domain").select("id", "fqdn").orderBy("id");
    if (filter.fqdn !== undefined) q.where({ fqdn: filter.fqdn });
    return (await q).map(toDomain);
  }

  /** Returns the domain row for `fqdn`, creating it when absent (concurrency-safe). */
  async ensureDomain(fqdn: string, trx: Knex = this.knex): Promise<DomainRow> {
    await trx("api_domain").insert({ fqdn }).onConflict("fqdn").ignore();
    const row = await this.findDomain(fqdn, trx);
    if (!row) throw new Error(`api_domain row for ${fqdn} vanished`);
    return row;
  }

  async createDomain(fqdn: string): Promise<DomainRow> {
    const [r] = await this.knex("api_domain").insert({ fqdn }).returning(["id", "fqdn"]);
    return toDomain(r as { id: string; fqdn: string });
  }

  async updateDomain(id: number, fqdn: string): Promise<DomainRow | undefined> {
    const [r] = await this.knex("api_domain").where({ id }).update({ fqdn }).returning(["id", "fqdn"]);
    return r ? toDomain(r as { id: string; fqdn: string }) : undefined;
  }

  async deleteDomain(id: number): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      await trx("api_domainuserpermission").where({ domain_id: id }).delete();
      return (await trx("api_domain").where({ id }).delete()) > 0;
    });
  }

  /** Grants access; returns false when the user already had it. */
  async grant(
    userId: number,
    domainId: number,
    accessLevel: AccessLevel,
    text: string | null = null,
    trx: Knex = this.knex,
  ) {
    const inserted = await trx("api_domainuserpermission")
      .insert({ user_id: userId, domain_id: domainId, access_level: accessLevel, text })
      .onConflict(["user_id", "domain_id", "access_level"])
      .ignore()
      .returning("id");
    return inserted.length > 0;
  }

  async createPermission(
    fields: { userId: number; domainId: number; accessLevel: AccessLevel; text: string | null },
    trx: Knex = this.knex,
  ): Promise<PermissionRow> {
    const [r] = await trx("api_domainuserpermission")
      .insert({
        user_id: fields.userId,
        domain_id: fields.domainId,
        access_level: fields.accessLevel,
        text: fields.text,
      })
      .returning("id");
    const id = Number((r as { id: string }).id);
    const row = await this.getPermission(id, trx);
    if (!row) throw new Error(`permission ${id} vanished`);
    return row;
  }

  async updatePermission(
    id: number,
    fields: Partial<{ userId: number; domainId: number; accessLevel: AccessLevel; text: string | null }>,
  ): Promise<PermissionRow | undefined> {
    const patch: Record<string, unknown> = {};
    if (fields.userId !== undefined) patch.user_id = fields.userId;
    if (fields.domainId !== undefined) patch.domain_id = fields.domainId;
    if (fields.accessLevel !== undefined) patch.access_level = fields.accessLevel;
    if (fields.text !== undefined) patch.text = fields.text;
    if (Object.keys(patch).length > 0)
      await this.knex("api_domainuserpermission").where({ id }).update(patch);
    return this.getPermission(id);
  }

  async deletePermission(id: number): Promise<boolean> {
    return (await this.knex("api_domainuserpermission").where({ id }).delete()) > 0;
  }

  /** Revokes access; returns false when there was nothing to revoke. */
  async revoke(
    userId: number,
    domainId: number,
    accessLevel: AccessLevel,
    trx: Knex = this.knex,
  ): Promise<boolean> {
    const n = await trx("api_domainuserpermission")
      .where({ user_id: userId, domain_id: domainId, access_level: accessLevel })
      .delete();
    return n > 0;
  }
}
