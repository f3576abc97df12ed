/** The bench user's password, new for each run, and the user:password pair its clients send. */
import { randomBytes } from "node:crypto";

export const PASSWORD = `bench-${randomBytes(9).toString("base64url")}`;
export const AUTH = `bench:${PASSWORD}`;
