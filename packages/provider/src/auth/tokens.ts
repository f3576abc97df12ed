import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import type { UserRow } from "../db/users-repo.js";

/** Lifetimes as the Django app configured simplejwt: access 1 day, refresh 7 days, rotation on. */
export const ACCESS_LIFETIME_S = 24 * 3600;
export const REFRESH_LIFETIME_S = 7 * 24 * 3600;

export type TokenType = "access" | "refresh";

export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

/** What a valid token says once its user has been checked. */
export interface VerifiedToken {
  readonly user: UserRow;
  readonly jti: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

/**
 * HS256 tokens with simplejwt's claims (`token_type`, `user_id`, `jti`, `iat`, `exp`) plus `fpr`:
 * an HMAC of the user's stored password hash and active flag under a key derived from the signing
 * key. A token is accepted only while `fpr` still matches the user row, so changing the password or
 * deactivating the user ends every token issued before, with no state to keep. The claim reveals
 * nothing about the hash to the token holder.
 */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly fingerprintKey: Buffer;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
    this.fingerprintKey = createHmac("sha256", secret).update("hlp token fingerprint v1").digest();
  }

  private fingerprint(user: UserRow): Buffer {
    return createHmac("sha256", this.fingerprintKey)
      .update(`${user.id}\0${user.isActive ? 1 : 0}\0${user.password}`)
      .digest()
      .subarray(0, 16);
  }

  async issue(user: UserRow, type: TokenType): Promise<string> {
    return new SignJWT({
      token_type: type,
      user_id: user.id,
      fpr: this.fingerprint(user).toString("base64url"),
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setJti(randomUUID().replaceAll("-", ""))
      .setExpirationTime(`${type === "access" ? ACCESS_LIFETIME_S : REFRESH_LIFETIME_S}s`)
      .sign(this.key);
  }

  async pair(user: UserRow): Promise<{ access: string; refresh: string }> {
    return { access: await this.issue(user, "access"), refresh: await this.issue(user, "refresh") };
  }

  /**
   * Checks signature, expiry and type, loads the user, and checks that the user is active and its
   * password unchanged since the token was issued. Throws InvalidTokenError otherwise.
   */
  async verify(
    token: string,
    type: TokenType,
    findUser: (id: number) => Promise<UserRow | undefined>,
  ): Promise<VerifiedToken> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new InvalidTokenError("Token is expired");
      throw new InvalidTokenError("Token is invalid");
    }
    if (payload.token_type !== type) throw new InvalidTokenError(`Token is not an ${type} token`);
    const { user_id: userId, fpr, jti, exp } = payload;
    if (
      typeof userId !== "number" ||
      typeof fpr !== "string" ||
      typeof jti !== "string" ||
      typeof exp !== "number"
    )
      throw new InvalidTokenError("Token is invalid");
    const user = await findUser(userId);
    const presented = Buffer.from(fpr, "base64url");
    const current = user ? this.fingerprint(user) : undefined;
    if (
      !user ||
      !current ||
      presented.length !== current.length ||
      !timingSafeEqual(presented, current) ||
      !user.isActive
    )
      throw new InvalidTokenError(
        "Token has been revoked (password changed or user deactivated): log in again",
      );
    return { user, jti, exp };
  }
}
