import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** Iterations for new hashes: Django 5.2's default, so Django itself verifies them unchanged. */
export const PBKDF2_ITERATIONS = 1_000_000;

const SALT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function djangoSalt(): string {
  // Django's get_random_string(22): ~131 bits from a 62-letter alphabet.
  const bytes = randomBytes(22);
  let salt = "";
  for (const b of bytes) salt += SALT_ALPHABET[b % SALT_ALPHABET.length];
  return salt;
}

function equalBase64(expected: string, actual: Buffer): boolean {
  const want = Buffer.from(expected, "base64");
  return want.length === actual.length && timingSafeEqual(want, actual);
}

/** Hashes a password the way Django's PBKDF2PasswordHasher does. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = djangoSalt();
  const hash = await pbkdf2Async(password, salt, iterations, 32, "sha256");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash.toString("base64")}`;
}

/**
 * Verifies `password` against a Django hash: `pbkdf2_sha256$iter$salt$hash` (any iteration count)
 * or `scrypt$N$salt$r$p$hash`. Unusable hashes (`!...`, empty, unknown algorithm) never verify.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split("$");
  if (parts[0] === "pbkdf2_sha256" && parts.length === 4) {
    const [, iter, salt, hash] = parts as [string, string, string, string];
    const iterations = Number(iter);
    if (!Number.isSafeInteger(iterations) || iterations < 1) return false;
    return equalBase64(hash, await pbkdf2Async(password, salt, iterations, 32, "sha256"));
  }
  if (parts[0] === "scrypt" && parts.length === 6) {
    const [, n, salt, r, p, hash] = parts as [string, string, string, string, string, string];
    const [N, R, P] = [Number(n), Number(r), Number(p)];
    if (![N, R, P].every((x) => Number.isSafeInteger(x) && x > 0)) return false;
    const derived = await scryptAsync(password, salt, 64, {
      N,
      r: R,
      p: P,
      maxmem: 256 * N * R + 1024 * 1024,
    });
    return equalBase64(hash, derived);
  }
  return false;
}

/** A hash no password matches (Django's "unusable password" marker form). */
export function unusablePassword(): string {
  return `!${randomBytes(30).toString("base64url")}`;
}

export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
