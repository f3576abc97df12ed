import { describe, expect, it } from "vitest";
import { hashPassword, unusablePassword, verifyPassword } from "../../src/auth/django-password.js";

// Produced with Python's hashlib, which is what Django's hashers call:
//   pbkdf2_hmac('sha256', pw, salt, iterations, 32) and scrypt(pw, salt, n=16384, r=8, p=1, dklen=64),
// base64-encoded in Django's `algorithm$...$hash` layout, for the password "correct horse".
const PBKDF2_260K =
  "pbkdf2_sha256$260000$GsW0WMKmhYtgUoaN9lQ9aW$b+NEq+hzZ9luPpNdQJ634rGzK4gTzdMq5g6Iv6+VfRE=";
const PBKDF2_1K = "pbkdf2_sha256$1000$abc$hnlMhxHEM3WGOBHM5VM84kJA+C8/AfxeVa5WdsuFYNs=";
const SCRYPT =
  "scrypt$16384$Kc4QOXUdv3DuKxsy5k4xXG$8$1$h4a98phQ/RbD22ZrWzUwNK5L6Gy+UGvp+HEiicJdDuKTeCS53ysakc+syVyxa65YkhFl9V3Lib8LCbTRii54aw==";

describe("verifyPassword", () => {
  it.each([
    ["pbkdf2_sha256 at 260,000 iterations", PBKDF2_260K],
    ["pbkdf2_sha256 at 1,000 iterations", PBKDF2_1K],
    ["scrypt", SCRYPT],
  ])("verifies a Django %s hash", async (_n, hash) => {
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horse ", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it.each([
    ["unusable marker", "!abcdef"],
    ["empty", ""],
    ["unknown algorithm", "md5$$5f4dcc3b5aa765d61d8327deb882cf99"],
    ["malformed pbkdf2", "pbkdf2_sha256$x$abc$hash"],
    ["truncated", "pbkdf2_sha256$1000$abc"],
  ])("never verifies a %s hash", async (_n, hash) => {
    expect(await verifyPassword("correct horse", hash)).toBe(false);
  });
});

describe("hashPassword", () => {
  it("writes Django's pbkdf2_sha256 layout that verifies", async () => {
    const hash = await hashPassword("s3cret", 1000);
    expect(hash).toMatch(/^pbkdf2_sha256\$1000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword("s3cret", hash)).toBe(true);
    expect(await verifyPassword("other", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same", 1000)).not.toBe(await hashPassword("same", 1000));
  });

  it("unusable passwords never verify", async () => {
    expect(await verifyPassword("", unusablePassword())).toBe(false);
  });
});
