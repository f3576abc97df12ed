import { pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { PBKDF2_ITERATIONS } from "./django-password.js";

const pbkdf2Async = promisify(pbkdf2);

/** Never spend more than this on a name that does not exist, whatever hash a user row holds. */
export const DUMMY_MAX_ITERATIONS = 5_000_000;

/**
 * The password check for a username that does not exist: one PBKDF2 run at the cost of a real
 * one, so the response time does not tell which names exist. The cost starts at the count new
 * hashes get and follows the highest count seen in a real user's hash (Django releases raise it:
 * 600k in 4.2, 1M in 5.2, 1.2M in 6.0), so a database of older or newer hashes is matched too.
 */
export class DummyVerification {
  private iterations = PBKDF2_ITERATIONS;

  /** Called with every stored hash the service verifies against. */
  observe(storedHash: string): void {
    const parts = storedHash.split("$");
    if (parts[0] !== "pbkdf2_sha256" || parts.length !== 4) return;
    const n = Number(parts[1]);
    if (Number.isSafeInteger(n) && n > this.iterations) this.iterations = Math.min(n, DUMMY_MAX_ITERATIONS);
  }

  get cost(): number {
    return this.iterations;
  }

  /** Spends one KDF run on `password`; never verifies. */
  async verify(password: string): Promise<false> {
    await pbkdf2Async(password, randomBytes(16).toString("base64"), this.iterations, 32, "sha256");
    return false;
  }
}
