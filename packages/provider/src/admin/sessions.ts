import { createHash, randomBytes } from "node:crypto";
import type { Knex } from "knex";

const TABLE = "hlp_admin_session";

export interface SessionPolicy {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after login, however busy. */
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/** How often last_seen_at is written: not on every page view. */
const TOUCH_EVERY_MS = 60_000;

export interface AdminSession {
  readonly id: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly flash: string | null;
}

interface RawSession {
  id: string;
  user_id: number;
  csrf_token: string;
  last_seen_at: Date;
  expires_at: Date;
  flash: string | null;
}

const sessionId = (token: string): string => createHash("sha256").update(token).digest("hex");

export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Sessions of logged-in staff users; the cookie holds the token, the table its hash. */
export class SessionStore {
  constructor(
    private readonly knex: Knex,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  async create(userId: number, now: Date): Promise<{ token: string; session: AdminSession }> {
    const token = randomToken();
    const session = { id: sessionId(token), userId, csrfToken: randomToken(), flash: null };
    await this.knex(TABLE).insert({
      id: session.id,
      user_id: userId,
      csrf_token: session.csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + this.policy.absoluteMs),
    });
    return { token, session };
  }

  /** The live session for a cookie token; an expired one is deleted and not returned. */
  async load(token: string, now: Date): Promise<AdminSession | undefined> {
    if (token.length === 0 || token.length > 100) return undefined;
    const id = sessionId(token);
    const r = await this.knex(TABLE).where({ id }).first<RawSession | undefined>();
    if (!r) return undefined;
    const t = now.getTime();
    if (t >= r.expires_at.getTime() || t - r.last_seen_at.getTime() >= this.policy.idleMs) {
      await this.knex(TABLE).where({ id }).delete();
      return undefined;
    }
    if (t - r.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
      await this.knex(TABLE).where({ id }).update({ last_seen_at: now });
    }
    return { id, userId: r.user_id, csrfToken: r.csrf_token, flash: r.flash };
  }

  async destroy(id: string): Promise<void> {
    await this.knex(TABLE).where({ id }).delete();
  }

  /** Ends every session of a user (after a password reset or deactivation), except `keepId`. */
  async destroyForUser(userId: number, keepId?: string): Promise<number> {
    const q = this.knex(TABLE).where({ user_id: userId });
    if (keepId !== undefined) q.whereNot({ id: keepId });
    return q.delete();
  }

  /** A one-time notice shown on the next page (never a secret). */
  async setFlash(id: string, message: string | null): Promise<void> {
    await this.knex(TABLE).where({ id }).update({ flash: message });
  }

  /** Deletes sessions past either limit; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    return this.knex(TABLE)
      .where("expires_at", "<=", now)
      .orWhere("last_seen_at", "<=", new Date(now.getTime() - this.policy.idleMs))
      .delete();
  }
}
