import type { Knex } from "knex";
import type { Migration } from "../db/migrations.js";

/**
 * Refresh tokens are single-use: refreshing records the token's `jti` until the token would have
 * expired anyway, and a second use of the same `jti` is refused. A table of our own, so a database
 * the Django app still uses is only added to.
 */
export const usedRefreshTokensMigration: Migration = {
  name: "0004_used_refresh_tokens",
  async up(knex) {
    await knex.raw(`
      CREATE TABLE IF NOT EXISTS hlp_used_refresh_token (
        jti varchar(64) PRIMARY KEY,
        user_id integer NOT NULL,
        expires_at timestamp with time zone NOT NULL
      )`);
    await knex.raw(
      "CREATE INDEX IF NOT EXISTS hlp_used_refresh_token_expires_at_idx ON hlp_used_refresh_token (expires_at)",
    );
  },
};

export class UsedRefreshTokens {
  constructor(private readonly knex: Knex) {}

  /** Records `jti` as used; false when it already was (a replayed refresh token). */
  async consume(jti: string, userId: number, expiresAt: Date): Promise<boolean> {
    // Rows past their token's expiry prove nothing any more; refreshes are rare, so prune here.
    await this.knex("hlp_used_refresh_token").where("expires_at", "<", new Date()).delete();
    const inserted = await this.knex("hlp_used_refresh_token")
      .insert({ jti, user_id: userId, expires_at: expiresAt })
      .onConflict("jti")
      .ignore()
      .returning("jti");
    return inserted.length === 1;
  }
}
