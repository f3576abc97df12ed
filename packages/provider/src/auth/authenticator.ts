import type { Grant } from "../challenge/permission.js";
import { isDatabaseDown } from "../db/reachability.js";
import type { UserRow, UsersRepo } from "../db/users-repo.js";
import { AppError } from "../errors.js";
import type { PasswordLogin } from "./password-login.js";
import type { PrincipalCache } from "./principal-cache.js";
import { InvalidTokenError, type TokenService } from "./tokens.js";

export interface Principal {
  readonly user: UserRow;
  readonly grants: readonly Grant[];
}

export const REALM = "httprequest-lego-provider";

/** The one answer to a refused password, whether the name is unknown, the password wrong or the user inactive. */
export const BAD_CREDENTIALS = "Invalid username or password";

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
 * Turns an Authorization header into a principal. Basic credentials go through PasswordLogin
 * (throttling, credential cache, KDF cap); Bearer tokens are the admin API's JWTs, valid only while
 * their user is active and its password unchanged.
 */
export class Authenticator {
  constructor(
    private readonly users: UsersRepo,
    private readonly logins: PasswordLogin,
    private readonly tokens: TokenService | undefined,
    private readonly onBadToken: () => void = () => {},
    private readonly principals?: PrincipalCache,
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

  /** A username and password sent other than as Basic auth (acme-dns's X-Api-User / X-Api-Key). */
  async password(username: string, password: string, clientAddress: string): Promise<Principal> {
    const result = await this.logins.check(username, password, clientAddress);
    if (!result.ok) throw unauthorized(BAD_CREDENTIALS);
    return result.found;
  }

  private async basic(value: string, address: string): Promise<Principal> {
    const creds = parseBasic(value);
    if (!creds) throw unauthorized("Malformed Basic credentials");
    return this.password(creds.username, creds.password, address);
  }

  /**
   * With the principal cache, a token's user comes from memory like a Basic-auth principal's:
   * invalidated at once by a change to the user (a new password or deactivation ends the token,
   * decision 0702), and kept through a database outage for APP_AUTH_CACHE_MAX_STALE.
   */
  private async bearer(token: string): Promise<Principal> {
    if (!this.tokens) throw unauthorized("Token authentication is not configured");
    const principals = this.principals;
    let found: Principal | undefined;
    let user: UserRow;
    try {
      ({ user } = await this.tokens.verify(token, "access", async (id) => {
        if (principals === undefined) return this.users.findById(id);
        found = await principals.findById(id, (userId) => this.users.findById(userId));
        return found?.user;
      }));
    } catch (err) {
      // The database could not say: that is a 503 (AppError), not a bad token.
      if (err instanceof AppError || isDatabaseDown(err)) throw err;
      this.onBadToken();
      throw unauthorized(err instanceof InvalidTokenError ? err.message : "Token is invalid");
    }
    if (found !== undefined) return found;
    return (await this.users.findWithGrants(user.username)) ?? { user, grants: [] };
  }
}
