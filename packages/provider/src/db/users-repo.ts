import type { Knex } from "knex";
import type { AccessLevel, Grant } from "../challenge/permission.js";

export interface UserRow {
  readonly id: number;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
  readonly dateJoined: Date;
}

/** A user and every grant it holds, loaded in one query for the hot path. */
export interface UserWithGrants {
  readonly user: UserRow;
  readonly grants: Grant[];
}

interface RawUser {
  id: number;
  username: string;
  password: string;
  email: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
  date_joined: Date;
}

const USER_COLUMNS = [
  "id",
  "username",
  "password",
  "email",
  "is_active",
  "is_staff",
  "is_superuser",
  "date_joined",
];

function toUser(r: RawUser): UserRow {
  return {
    id: r.id,
    username: r.username,
    password: r.password,
    email: r.email,
    isActive: r.is_active,
    isStaff: r.is_staff,
    isSuperuser: r.is_superuser,
    dateJoined: r.date_joined,
  };
}

export class UsersRepo {
  constructor(private readonly knex: Knex) {}

  async findByUsername(username: string, trx: Knex = this.knex): Promise<UserRow | undefined> {
    const r = await trx("auth_user").select<RawUser[]>(USER_COLUMNS).where({ username }).first();
    return r ? toUser(r) : undefined;
  }

  async findById(id: number, trx: Knex = this.knex): Promise<UserRow | undefined> {
    const r = await trx("auth_user").select<RawUser[]>(USER_COLUMNS).where({ id }).first();
    return r ? toUser(r) : undefined;
  }

  /**
   * Built once: the query runs on every /present and /cleanup, and composing it with the query
   * builder each time cost more allocation than the rest of the request.
   */
  private grantsQuery: string | undefined;

  async findWithGrants(username: string): Promise<UserWithGrants | undefined> {
    this.grantsQuery ??= this.knex("auth_user as u")
      .leftJoin("api_domainuserpermission as p", "p.user_id", "u.id")
      .leftJoin("api_domain as d", "d.id", "p.domain_id")
      .where("u.username", "")
      .select(...USER_COLUMNS.map((c) => `u.${c}`), "d.fqdn", "p.access_level")
      .toSQL().sql;
    const result: { rows: (RawUser & { fqdn: string | null; access_level: AccessLevel | null })[] } =
      await this.knex.raw(this.grantsQuery, [username]);
    const rows = result.rows;
    const first = rows[0];
    if (!first) return undefined;
    const grants: Grant[] = [];
    for (const r of rows) {
      if (r.fqdn !== null && r.access_level !== null)
        grants.push({ domain: r.fqdn, accessLevel: r.access_level });
    }
    return { user: toUser(first), grants };
  }

  async list(filter: { username?: string } = {}): Promise<UserRow[]> {
    const q = this.knex("auth_user")
      .select<RawUser[]>(USER_COLUMNS)
      .orderBy("date_joined", "desc")
      .orderBy("id", "desc");
    if (filter.username !== undefined) q.where({ username: filter.username });
    return (await q).map(toUser);
  }

  async create(
    fields: { username: string; password: string; email?: string; isStaff?: boolean; isSuperuser?: boolean },
    trx: Knex = this.knex,
  ): Promise<UserRow> {
    const [r] = await trx<RawUser>("auth_user")
      .insert({
        username: fields.username,
        password: fields.password,
        email: fields.email ?? "",
        first_name: "",
        last_name: "",
        is_staff: fields.isStaff ?? false,
        is_superuser: fields.isSuperuser ?? false,
        is_active: true,
        date_joined: trx.fn.now(),
      } as never)
      .returning(USER_COLUMNS);
    if (!r) throw new Error("insert into auth_user returned no row");
    return toUser(r as RawUser);
  }

  async update(
    id: number,
    fields: Partial<{
      username: string;
      password: string;
      email: string;
      isStaff: boolean;
      isSuperuser: boolean;
      isActive: boolean;
    }>,
    trx: Knex = this.knex,
  ): Promise<UserRow | undefined> {
    const patch: Record<string, unknown> = {};
    if (fields.username !== undefined) patch.username = fields.username;
    if (fields.password !== undefined) patch.password = fields.password;
    if (fields.email !== undefined) patch.email = fields.email;
    if (fields.isStaff !== undefined) patch.is_staff = fields.isStaff;
    if (fields.isSuperuser !== undefined) patch.is_superuser = fields.isSuperuser;
    if (fields.isActive !== undefined) patch.is_active = fields.isActive;
    if (Object.keys(patch).length === 0) return this.findById(id, trx);
    const [r] = await trx("auth_user").where({ id }).update(patch).returning(USER_COLUMNS);
    return r ? toUser(r as RawUser) : undefined;
  }

  /** Deletes a user and its grants (Django databases have no ON DELETE CASCADE). */
  async delete(id: number, trx?: Knex): Promise<boolean> {
    const run = async (t: Knex) => {
      await t("api_domainuserpermission").where({ user_id: id }).delete();
      return (await t("auth_user").where({ id }).delete()) > 0;
    };
    return trx ? run(trx) : this.knex.transaction(run);
  }
}
