import type { UserWithGrants } from "../db/users-repo.js";
import { AppError } from "../errors.js";
import { CredentialCache } from "./credential-cache.js";
import { verifyPassword } from "./django-password.js";
import { DummyVerification } from "./dummy-verification.js";
import { KdfBusyError, KdfGate } from "./kdf-gate.js";
import { type LoginAttempt, LoginRateLimiter } from "./login-rate-limiter.js";
import { type CachedPrincipal, databaseUnavailable } from "./principal-cache.js";

/** Django's limit (auth_user.username is varchar(150)): longer names are refused before any lookup. */
export const MAX_USERNAME_LENGTH = 150;

export type LoginFailureReason = "bad_credentials" | "rate_limited" | "busy" | "inactive";

export interface LoginObserver {
  /** Called for every refused password login; `reason` is a fixed word, never the secret. */
  onFailure(reason: LoginFailureReason): void;
  /** How long password verification took and whether the cache answered. */
  onVerified(seconds: number, cached: boolean): void;
}

/** The one query a login needs (UsersRepo has it; PrincipalCache answers it from memory). */
export interface LoginUsers {
  findWithGrants(username: string): Promise<CachedPrincipal | undefined>;
}

export type LoginResult =
  | { readonly ok: true; readonly found: UserWithGrants; readonly cached: boolean }
  /** `inactive`: the password was right but the user is deactivated (for the audit trail only). */
  | { readonly ok: false; readonly reason: "bad_credentials" | "inactive" };

export function tooManyAttempts(retryAfterSeconds: number, message: string): AppError {
  return new AppError("too_many_requests", message, { details: { retryAfter: String(retryAfterSeconds) } });
}

/**
 * The one password check behind Basic auth, the token endpoint and the admin login page, in an
 * order that leaks nothing and bounds everything: reject over-long names; refuse a pair or address
 * in backoff; load the user; answer from the credential cache, or reserve the attempt in the rate
 * limiter (synchronously, right before the KDF) and run the KDF under the global KdfGate — against
 * a dummy at the real cost when the name is unknown; settle the reservation. Unknown user, wrong password and inactive user all come back as
 * a failure the caller answers with one and the same message.
 */
export class PasswordLogin {
  constructor(
    private readonly users: LoginUsers,
    private readonly observer: LoginObserver = { onFailure: () => {}, onVerified: () => {} },
    readonly limiter = new LoginRateLimiter(),
    private readonly cache = new CredentialCache(),
    private readonly gate = new KdfGate(),
    private readonly dummy = new DummyVerification(),
  ) {}

  /** Throws AppError `too_many_requests` (with Retry-After) when throttled or when the KDF is busy. */
  async check(username: string, password: string, address: string): Promise<LoginResult> {
    if (username === "" || username.length > MAX_USERNAME_LENGTH) {
      this.observer.onFailure("bad_credentials");
      return { ok: false, reason: "bad_credentials" };
    }
    // A closed pair or address is refused before the lookup: an attacker in backoff costs nothing.
    const blocked = this.limiter.blocked(address, username);
    if (blocked) throw this.throttled(blocked.retryAfterSeconds);
    // Only a password that must actually be verified is an attempt. The reservation is taken
    // synchronously right before the KDF starts (inside `kdf`), so concurrent guesses cannot
    // outrun the limits, while a credential the cache already knows (or one being verified for an
    // identical concurrent request) is no guess and never counts: a busy client is never throttled.
    let attempt: LoginAttempt | undefined;
    const reserve = () => {
      const admission = this.limiter.begin(address, username);
      if (!admission.allowed) throw this.throttled(admission.retryAfterSeconds);
      attempt = admission.attempt;
    };
    try {
      const found = await this.users.findWithGrants(username);
      const started = performance.now();
      let ok = false;
      let cached = false;
      if (found) {
        const stored = found.user.password;
        this.dummy.observe(stored);
        const kdf = () => {
          reserve();
          return this.gate.run(address, () => verifyPassword(password, stored));
        };
        // An inactive user always pays the full KDF: a fast cached answer would confirm its password.
        if (found.user.isActive) ({ ok, cached } = await this.cache.check(username, password, stored, kdf));
        else ok = await kdf();
      } else {
        reserve();
        await this.gate.run(address, () => this.dummy.verify(password));
      }
      this.observer.onVerified((performance.now() - started) / 1000, cached);
      if (!found || !ok || !found.user.isActive) {
        // While the database is unreachable an unknown name gets 503; so must a wrong password
        // for a name remembered from before, or the answer would tell which names exist.
        if (found?.stale) {
          throw databaseUnavailable(
            new Error("refused credentials for a principal served while the database is unreachable"),
          );
        }
        attempt?.failed();
        const reason = found && ok ? "inactive" : "bad_credentials";
        this.observer.onFailure(reason);
        return { ok: false, reason };
      }
      attempt?.succeeded();
      return { ok: true, found, cached };
    } catch (err) {
      attempt?.released();
      if (err instanceof KdfBusyError) {
        this.observer.onFailure("busy");
        throw tooManyAttempts(err.retryAfterSeconds, err.message);
      }
      throw err;
    }
  }

  private throttled(retryAfterSeconds: number): AppError {
    this.observer.onFailure("rate_limited");
    return tooManyAttempts(retryAfterSeconds, `Too many failed logins: try again in ${retryAfterSeconds} s`);
  }
}
