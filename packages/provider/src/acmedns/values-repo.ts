import type { Knex } from "knex";

const TABLE = "hlp_acmedns_value";

/** The values /update wrote per record name (plain data in, plain data out). */
export class AcmeDnsValues {
  constructor(private readonly knex: Knex) {}

  /**
   * Records `value` as the newest /update value of `fqdn` (renewing it when sent again) and
   * returns every /update value of the name, newest first.
   */
  async remember(fqdn: string, value: string): Promise<string[]> {
    await this.knex.raw(
      `INSERT INTO ${TABLE} (fqdn, value) VALUES (?, ?)
       ON CONFLICT (fqdn, value) DO UPDATE
       SET seq = nextval(pg_get_serial_sequence('${TABLE}', 'seq')), created_at = now()`,
      [fqdn, value],
    );
    const rows = await this.knex(TABLE)
      .where({ fqdn })
      .orderBy("seq", "desc")
      .select<{ value: string }[]>("value");
    return rows.map((r) => r.value);
  }

  /** Forgets values that are no longer in the zone. */
  async forget(fqdn: string, values: readonly string[]): Promise<void> {
    if (values.length === 0) return;
    await this.knex(TABLE)
      .where({ fqdn })
      .whereIn("value", [...values])
      .delete();
  }
}
