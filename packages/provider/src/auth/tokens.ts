import { randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";

/** Lifetimes as the Django app configured simplejwt: access 1 day, refresh 7 days, rotation on. */
export const ACCESS_LIFETIME_S = 24 * 3600;
export const REFRESH_LIFETIME_S = 7 * 24 * 3600;

export type TokenType = "access" | "refresh";

export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

/** HS256 tokens with simplejwt's claims (`token_type`, `user_id`, `jti`, `iat`, `exp`). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(userId: number, type: TokenType): Promise<string> {
    return new SignJWT({ token_type: type, user_id: userId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setJti(randomUUID().replaceAll("-", ""))
      .setExpirationTime(`${type === "access" ? ACCESS_LIFETIME_S : REFRESH_LIFETIME_S}s`)
      .sign(this.key);
  }

  async pair(userId: number): Promise<{ access: string; refresh: string }> {
    return { access: await this.issue(userId, "access"), refresh: await this.issue(userId, "refresh") };
  }

  /** Returns the user id of a valid token of `type`; throws InvalidTokenError otherwise. */
  async verify(token: string, type: TokenType): Promise<number> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"] });
      if (payload.token_type !== type) throw new InvalidTokenError(`Token is not an ${type} token`);
      if (typeof payload.user_id !== "number") throw new InvalidTokenError("Token has no user_id");
      return payload.user_id;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new InvalidTokenError("Token is expired");
      throw new InvalidTokenError("Token is invalid");
    }
  }
}
