import type { Grant } from "../challenge/permission.js";
import type { UserRow, UsersRepo } from "../db/users-repo.js";
import { AppError } from "../errors.js";
import type { CredentialCache } from "./credential-cache.js";
import { verifyPassword } from "./django-password.js";
import type { LoginRateLimiter } from "./login-rate-limiter.js";
import { InvalidTokenError, type TokenService } from "./tokens.js";

export interface Principal {
  readonly user: UserRow;
  readonly grants: readonly Grant[];
}

export interface AuthObserver {
  /** Called for every refused credential; `reason` is a fixed word, never the secret. */
  onFailure(reason: "bad_credentials" | "rate_limited" | "bad_token" | "inactive"): void;
  /** How long password verification took and whether the cache answered. */
  onVerified(seconds: number, cached: boolean): void;
}

export const REALM = "httprequest-lego-provider";

export function unauthorized(message: string): AppError {
  return new AppError("unauthorized", message);
}

function parseBasic(value: string): { username: string; password: string } | undefined {
  let decoded: string;
  try {
    decoded = Buffer.from(value, "base64").toString("utf8");
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Turns an Authorization header into a principal. Basic credentials are verified against the
 * Django hash once, then answered from the credential cache; failures count towards the rate
 * limiter per client address and per username; Bearer tokens are the admin API's JWTs.
 */
export class Authenticator {
  constructor(
    private readonly users: UsersRepo,
    private readonly cache: CredentialCache,
    private readonly limiter: LoginRateLimiter,
    private readonly tokens: TokenService | undefined,
    private readonly observer: AuthObserver,
  ) {}

  async authenticate(header: string | undefined, clientAddress: string): Promise<Principal> {
    if (!header) throw unauthorized("Authentication credentials were not provided");
    const space = header.indexOf(" ");
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? "" : header.slice(space + 1).trim();
    if (scheme === "basic") return this.basic(value, clientAddress);
    if (scheme === "bearer") return this.bearer(value);
    throw unauthorized("Unsupported authorization scheme: use Basic or Bearer");
  }

  private async basic(value: string, address: string): Promise<Principal> {
    const creds = parseBasic(value);
    if (!creds) throw unauthorized("Malformed Basic credentials");
    const decision = this.limiter.check(address, creds.username);
    if (!decision.allowed) {
      this.observer.onFailure("rate_limited");
      throw new AppError(
        "too_many_requests",
        `Too many failed logins: try again in ${decision.retryAfterSeconds} s`,
        { details: { retryAfter: String(decision.retryAfterSeconds) } },
      );
    }
    const found = await this.users.findWithGrants(creds.username);
    const started = performance.now();
    let ok = false;
    let cached = false;
    if (found) {
      const stored = found.user.password;
      ({ ok, cached } = await this.cache.check(creds.username, creds.password, stored, () =>
        verifyPassword(creds.password, stored),
      ));
    } else {
      // Spend comparable time on unknown users so timing does not reveal which names exist.
      await verifyPassword(creds.password, UNKNOWN_USER_HASH);
    }
    this.observer.onVerified((performance.now() - started) / 1000, cached);
    if (!found || !ok) {
      this.limiter.recordFailure(address, creds.username);
      this.observer.onFailure("bad_credentials");
      throw unauthorized("Invalid username or password");
    }
    if (!found.user.isActive) {
      this.observer.onFailure("inactive");
      throw unauthorized("User inactive or deleted");
    }
    this.limiter.recordSuccess(creds.username);
    return found;
  }

  private async bearer(token: string): Promise<Principal> {
    if (!this.tokens) throw unauthorized("Token authentication is not configured");
    let userId: number;
    try {
      userId = await this.tokens.verify(token, "access");
    } catch (err) {
      this.observer.onFailure("bad_token");
      throw unauthorized(err instanceof InvalidTokenError ? err.message : "Token is invalid");
    }
    const user = await this.users.findById(userId);
    if (!user?.isActive) {
      this.observer.onFailure("inactive");
      throw unauthorized("User inactive or deleted");
    }
    const found = await this.users.findWithGrants(user.username);
    return found ?? { user, grants: [] };
  }
}

// A real PBKDF2 hash (of a random string) at a modest count: unknown names cost a KDF run too.
const UNKNOWN_USER_HASH =
  "pbkdf2_sha256$100000$0bY7mmiJ1bY6cbtRsw0E3l$9fPe1oXHKnfXrRbcP0bq8v8wv0q0pF0Jp5c1o9VvC2c=";
