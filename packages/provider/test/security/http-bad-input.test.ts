import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../helpers/databases.js";
import {
  ADMIN,
  basic,
  httpMessage,
  type RunningFixture,
  rawRequest,
  START_TIMEOUT_MS,
  startService,
  USER,
} from "./http-service.js";

interface BadInput {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly status: number;
  /** Words the answer must contain: it names the problem. */
  readonly message: RegExp;
}

const json = { "Content-Type": "application/json" };
const admin = { Authorization: basic(ADMIN.username, ADMIN.password) };
const user = { Authorization: basic(USER.username, USER.password) };
const record = JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "v" });
const manyFields = Array.from({ length: 80 }, (_, i) => `f${i}=x`).join("&");

/** Every input the hardening issue found answered with 500, and a few of the same family. */
const BAD_INPUTS: readonly BadInput[] = [
  {
    name: "malformed JSON on the token endpoint",
    path: "/api/v1/auth/token/",
    headers: json,
    body: `{"username": "${ADMIN.username}", "password": "${ADMIN.password}"`,
    status: 400,
    message: /not valid JSON/,
  },
  {
    name: "an unknown charset",
    path: "/present",
    headers: { ...user, "Content-Type": "application/json; charset=foo" },
    body: record,
    status: 415,
    message: /charset/,
  },
  {
    name: "an unknown charset on the admin API",
    path: "/api/v1/domains/",
    headers: { ...admin, "Content-Type": "application/json; charset=foo" },
    body: '{"fqdn":"example.net"}',
    status: 415,
    message: /charset/,
  },
  {
    name: "an unknown Content-Encoding",
    path: "/api/v1/auth/token/",
    headers: { ...json, "Content-Encoding": "foo" },
    body: `{"username":"${ADMIN.username}","password":"${ADMIN.password}"}`,
    status: 415,
    message: /Content-Encoding/,
  },
  {
    name: "a body that is not gzip under Content-Encoding: gzip",
    path: "/present",
    headers: { ...user, ...json, "Content-Encoding": "gzip" },
    body: record,
    status: 400,
    message: /Content-Encoding/,
  },
  {
    name: "a gzip bomb past the body limit",
    path: "/present",
    headers: { ...user, ...json, "Content-Encoding": "gzip" },
    body: gzipSync(Buffer.alloc(1024 * 1024, 0x20)),
    status: 413,
    message: /too large/,
  },
  {
    name: "too many form fields on the admin login",
    path: "/admin/login",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: manyFields,
    status: 413,
    message: /Too many form fields/,
  },
  {
    name: "a NUL in the Basic username",
    path: "/present",
    headers: { ...json, Authorization: basic("ali\u0000ce", USER.password) },
    body: record,
    status: 400,
    message: /username contains a control character/,
  },
  {
    name: "a NUL in the username of the token endpoint",
    path: "/api/v1/auth/token/",
    headers: json,
    body: JSON.stringify({ username: "ro\u0000ot", password: ADMIN.password }),
    status: 400,
    message: /NUL character/,
  },
  {
    name: "a NUL in an admin API filter",
    method: "GET",
    path: "/api/v1/users/?username=a%00b",
    headers: admin,
    status: 400,
    message: /NUL character/,
  },
  {
    name: "a NUL in the admin login form",
    path: "/admin/login",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: "hlp_admin_login_csrf=t" },
    body: `csrf_token=t&username=ro%00ot&password=${encodeURIComponent(ADMIN.password)}`,
    status: 400,
    message: /NUL character/,
  },
  {
    name: "invalid percent-encoding in a path",
    method: "GET",
    path: "/api/v1/users/%E0%A4%A",
    headers: admin,
    status: 400,
    message: /percent-encoding/,
  },
  {
    name: "a body over the limit on /present",
    path: "/present",
    headers: { ...user, ...json },
    body: JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "x".repeat(20_000) }),
    status: 413,
    message: /too large/,
  },
  {
    name: "a body over the limit on the admin API",
    path: "/api/v1/domains/",
    headers: { ...admin, ...json },
    body: JSON.stringify({ fqdn: "x".repeat(70_000) }),
    status: 413,
    message: /too large/,
  },
];

describe.each(DATABASE_KINDS)("bad input on %s", (kind) => {
  let t: RunningFixture;
  beforeAll(async () => {
    t = await startService(kind);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.dispose();
  });

  it.each(BAD_INPUTS)("$name → $status naming the problem", async (c) => {
    const r = await rawRequest(t.svc.port, httpMessage(c.method ?? "POST", c.path, c.headers ?? {}, c.body));
    expect(r.status, r.text).toBe(c.status);
    expect(r.body).toMatch(c.message);
    expect(r.body).not.toMatch(/Internal error|stack|at .*\.js:\d+/);
    expect(r.body).not.toContain(ADMIN.password);
    expect(r.body).not.toContain(USER.password);
  });

  it("a PATCH renaming a user onto an existing name is a 400 on the username field", async () => {
    const list = await rawRequest(
      t.svc.port,
      httpMessage("GET", `/api/v1/users/?username=${USER.username}`, admin),
    );
    const [alice] = JSON.parse(list.body) as { id: number }[];
    expect(alice).toBeDefined();
    const r = await rawRequest(
      t.svc.port,
      httpMessage("PATCH", `/api/v1/users/${alice?.id}/`, { ...admin, ...json }, '{"username":"root"}'),
    );
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({
      field: "username",
      message: expect.stringMatching(/already exists/),
    });
  });

  it("answered all of that without one error-level log line", () => {
    const errors = t.svc
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{") && (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  });
});
