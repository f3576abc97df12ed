import type { ChangeListener, ChangeSubscription } from "../db/change-feed.js";
import { DEAF_SUBSCRIPTION } from "../db/change-feed.js";
import { type DatabaseBreaker, isDatabaseDown } from "../db/reachability.js";
import type { UserWithGrants } from "../db/users-repo.js";
import { AppError } from "../errors.js";
import { parsePrincipalChange } from "./principal-change-migration.js";

/**
 * A principal as the cache answers it: `stale` when it comes from memory because the database
 * is unreachable (the caller must then refuse with 503 rather than 401, see PasswordLogin).
 */
export type CachedPrincipal = UserWithGrants & { readonly stale?: true };

/** Where principals come from when the cache cannot answer (UsersRepo). */
export interface PrincipalSource {
  findWithGrants(username: string): Promise<UserWithGrants | undefined>;
}

/** How a lookup was answered: from memory, from the database, or from memory while the database is down. */
export type PrincipalLookup = "cached" | "loaded" | "stale";

export interface PrincipalCacheOptions {
  /** How long a principal verified by the database keeps working while the database is unreachable. */
  readonly maxStaleMs: number;
  /** Safety net: a cached principal is re-read at least this often, notifications or not. */
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
  readonly onLookup?: (how: PrincipalLookup) => void;
  /** Remembers an outage, so lookups during it answer from memory without trying the database. */
  readonly breaker?: DatabaseBreaker;
}

interface Entry {
  readonly principal: UserWithGrants;
  /** When the database last confirmed it. */
  readonly loadedAt: number;
  /** The feed epoch it was loaded in: entries from before a reset are not trusted as fresh. */
  readonly epoch: number;
}

export const PRINCIPAL_CACHE_TTL_MS = 60_000;

export function databaseUnavailable(cause: unknown): AppError {
  return new AppError(
    "database_unavailable",
    "The user database is unreachable and these credentials were not verified recently: try again once it is back",
    { cause },
  );
}

/**
 * Users and their grants served from memory (docs/decisions/0007). Every change to them is
 * announced by the database's triggers and drops the user's entry at once; when the announcement
 * feed is lost or regained, nothing cached is trusted until it is read again, and a TTL bounds
 * any entry's age even so. While the database is unreachable, a principal the database confirmed
 * within `maxStaleMs` keeps working; anyone else gets a 503, never a 401 (the password may be right).
 * Unknown names are not cached: they cost a lookup (and a dummy KDF run) as before.
 */
export class PrincipalCache implements PrincipalSource, ChangeListener {
  private readonly entries = new Map<string, Entry>();
  /** The names each user id is cached under (more than one for a moment around a rename). */
  private readonly usernames = new Map<number, Set<string>>();
  /** Bumped by every change: a lookup that overlapped one does not store what it read. */
  private generation = 0;
  private epoch = 0;
  /**
   * Reads in flight by name, with the generation they started in. A cold cache under load (64
   * clients of one user on a fresh start) otherwise sent one identical query per request.
   */
  private readonly loading = new Map<
    string,
    { generation: number; read: Promise<UserWithGrants | undefined> }
  >();
  private feed: ChangeSubscription = DEAF_SUBSCRIPTION;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly source: PrincipalSource,
    private readonly options: PrincipalCacheOptions,
  ) {
    this.ttlMs = options.ttlMs ?? PRINCIPAL_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts trusting entries while `feed` is connected. */
  follow(feed: ChangeSubscription): void {
    this.feed = feed;
    this.onReset();
  }

  async findWithGrants(username: string): Promise<CachedPrincipal | undefined> {
    const entry = this.entries.get(username);
    const now = this.now();
    if (entry && this.feed.connected && entry.epoch === this.epoch && now - entry.loadedAt < this.ttlMs) {
      this.options.onLookup?.("cached");
      return entry.principal;
    }
    const generation = this.generation;
    const epoch = this.epoch;
    let found: UserWithGrants | undefined;
    try {
      found = await this.fromDatabase(() => this.read(username, generation));
    } catch (err) {
      if (!isDatabaseDown(err)) throw err;
      if (entry && this.now() - entry.loadedAt <= this.options.maxStaleMs) {
        this.options.onLookup?.("stale");
        return { ...entry.principal, stale: true };
      }
      throw databaseUnavailable(err);
    }
    this.options.onLookup?.("loaded");
    if (!found) {
      this.drop(username);
    } else if (generation === this.generation) {
      this.store(username, { principal: found, loadedAt: now, epoch });
    }
    return found;
  }

  /**
   * The principal with user id `id` (an admin API token names its user by id), through the same
   * cache, invalidation and outage rules as a lookup by name: a user cached under a name is served
   * from memory (or, while the database is unreachable, from a stale entry within `maxStaleMs`);
   * anyone else costs one read by id, refused with a 503 while the database is unreachable.
   */
  async findById(
    id: number,
    loadById: (id: number) => Promise<UserWithGrants["user"] | undefined>,
  ): Promise<CachedPrincipal | undefined> {
    for (const username of [...(this.usernames.get(id) ?? [])]) {
      const found = await this.findWithGrants(username);
      if (found?.user.id === id) return found;
    }
    let user: UserWithGrants["user"] | undefined;
    try {
      user = await this.fromDatabase(() => loadById(id));
    } catch (err) {
      if (!isDatabaseDown(err)) throw err;
      throw databaseUnavailable(err);
    }
    if (!user) return undefined;
    const found = await this.findWithGrants(user.username);
    return found?.user.id === id ? found : undefined;
  }

  /** A read through the breaker: refused at once while the database is known down. */
  private fromDatabase<T>(read: () => Promise<T>): Promise<T> {
    const breaker = this.options.breaker;
    return breaker === undefined ? read() : breaker.run(read);
  }

  /**
   * The source's answer for `username`, shared with the other lookups of the same generation: no
   * change was announced since that read started, so it is as fresh as a read of their own. A
   * lookup after a change never joins a read from before it.
   */
  private read(username: string, generation: number): Promise<UserWithGrants | undefined> {
    const flight = this.loading.get(username);
    if (flight && flight.generation === generation) return flight.read;
    const read = this.source.findWithGrants(username).finally(() => {
      if (this.loading.get(username)?.read === read) this.loading.delete(username);
    });
    this.loading.set(username, { generation, read });
    return read;
  }

  onNotification(payload: string): void {
    const change = parsePrincipalChange(payload);
    this.generation += 1;
    if ("userId" in change) {
      for (const username of [...(this.usernames.get(change.userId) ?? [])]) this.drop(username);
    } else {
      this.clear();
    }
  }

  /** The feed dropped or came back: keep entries for an outage, but trust none of them. */
  onReset(): void {
    this.generation += 1;
    this.epoch += 1;
  }

  /** Forgets everything (a TRUNCATE, or tests). */
  clear(): void {
    this.entries.clear();
    this.usernames.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private store(username: string, entry: Entry): void {
    this.drop(username);
    this.entries.set(username, entry);
    const id = entry.principal.user.id;
    const names = this.usernames.get(id);
    if (names) names.add(username);
    else this.usernames.set(id, new Set([username]));
    // Map keeps insertion order: the first entry is the one read longest ago.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
  }

  private drop(username: string): void {
    const entry = this.entries.get(username);
    if (!entry) return;
    this.entries.delete(username);
    const id = entry.principal.user.id;
    const names = this.usernames.get(id);
    names?.delete(username);
    if (names?.size === 0) this.usernames.delete(id);
  }
}
