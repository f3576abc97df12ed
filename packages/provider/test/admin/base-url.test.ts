import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createServiceFixture,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

/**
 * Behind an ingress that publishes the service at `/model-app/` and strips that prefix (what the
 * charm asks traefik for), with APP_BASE_URL saying so: a browser that only ever talks to the
 * ingress must be able to follow every link, redirect and form of the admin pages, and keep its
 * cookies. The ingress here is a small strip-prefix proxy in front of the real service process.
 */
const PREFIX = "/model-app";

function stripPrefixProxy(target: () => number): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith(`${PREFIX}/`)) {
      res.writeHead(404).end("not under the published prefix");
      return;
    }
    const upstream = request(
      {
        host: "127.0.0.1",
        port: target(),
        method: req.method,
        path: url.slice(PREFIX.length),
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A browser over fetch that keeps cookies (with their Path) and does not follow redirects. */
class Browser {
  readonly cookies = new Map<string, { value: string; path: string }>();
  constructor(private readonly origin: string) {}

  async go(method: string, path: string, form?: Record<string, string>) {
    expect(path.startsWith(`${PREFIX}/`), `${path} is a path the ingress publishes`).toBe(true);
    const sent = [...this.cookies]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([k, c]) => `${k}=${c.value}`)
      .join("; ");
    const res = await fetch(`${this.origin}${path}`, {
      method,
      redirect: "manual",
      headers: {
        ...(sent ? { cookie: sent } : {}),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const m = /^([^=]+)=([^;]*);.*Path=([^;]+)/.exec(c);
      if (!m?.[1] || m[2] === undefined || !m[3]) continue;
      if (/Max-Age=0/.test(c)) this.cookies.delete(m[1]);
      else this.cookies.set(m[1], { value: m[2], path: m[3] });
    }
    return { status: res.status, location: res.headers.get("location"), text: await res.text(), setCookies };
  }
}

const links = (page: string): string[] =>
  [...page.matchAll(/(?:href|action)="([^"#]+)"/g)].map((m) => (m[1] ?? "").replaceAll("&amp;", "&"));

describe("APP_BASE_URL with a path prefix (strip-prefix ingress in front of the real service)", () => {
  let fx: ServiceFixture;
  let svc: ServiceProcess;
  let proxy: Server;
  let origin: string;
  const staff = { username: "ops", password: "ops-password-123" };

  beforeAll(async () => {
    let servicePort = 0;
    proxy = await stripPrefixProxy(() => servicePort);
    origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    fx = await createServiceFixture("postgresql", { APP_BASE_URL: `${origin}${PREFIX}/` });
    expect(
      (await runCli(fx.env, "create-superuser", staff.username, "--password", staff.password)).code,
    ).toBe(0);
    svc = await startServiceProcess(fx.env);
    servicePort = svc.port;
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
    proxy?.close();
    await fx?.dispose();
  });

  it("a browser signs in, follows every link and form, and signs out, through the prefix only", async () => {
    const b = new Browser(origin);
    const root = await b.go("GET", `${PREFIX}/admin/`);
    expect(root).toMatchObject({
      status: 303,
      location: `${PREFIX}/admin/login?next=${encodeURIComponent(`${PREFIX}/admin/`)}`,
    });
    const toLogin = await b.go("GET", `${PREFIX}/admin/users`);
    expect(toLogin.status).toBe(303);
    expect(toLogin.location).toBe(
      `${PREFIX}/admin/login?next=${encodeURIComponent(`${PREFIX}/admin/users`)}`,
    );

    const login = await b.go("GET", toLogin.location ?? "");
    expect(login.status).toBe(200);
    expect(login.setCookies.join("\n")).toContain(`Path=${PREFIX}/admin;`);
    expect(links(login.text)).toEqual([`${PREFIX}/admin/static/admin.css`, `${PREFIX}/admin/login`]);
    expect((await b.go("GET", `${PREFIX}/admin/static/admin.css`)).status).toBe(200);

    const csrf = /name="csrf_token" value="([^"]+)"/.exec(login.text)?.[1] ?? "";
    const next = /name="next" value="([^"]+)"/.exec(login.text)?.[1] ?? "";
    expect(next).toBe(`${PREFIX}/admin/users`);
    const signedIn = await b.go("POST", `${PREFIX}/admin/login`, { ...staff, csrf_token: csrf, next });
    expect(signedIn).toMatchObject({ status: 303, location: `${PREFIX}/admin/users` });
    expect(b.cookies.get("hlp_admin_session")?.path).toBe(`${PREFIX}/admin`);

    const users = await b.go("GET", `${PREFIX}/admin/users`);
    expect(users.status).toBe(200);
    const targets = links(users.text);
    expect(targets.length).toBeGreaterThan(4);
    for (const target of targets) expect(target.startsWith(`${PREFIX}/admin/`), target).toBe(true);
    for (const section of ["users", "grants", "activity"])
      expect((await b.go("GET", `${PREFIX}/admin/${section}`)).status).toBe(200);

    const userCsrf = /name="csrf_token" value="([^"]+)"/.exec(users.text)?.[1] ?? "";
    const out = await b.go("POST", `${PREFIX}/admin/logout`, { csrf_token: userCsrf });
    expect(out).toMatchObject({ status: 303, location: `${PREFIX}/admin/login?logged_out=1` });
    expect(b.cookies.has("hlp_admin_session")).toBe(false);
  });

  it("the audit API's page links point through the prefix and work", async () => {
    const auth = `Basic ${Buffer.from(`${staff.username}:${staff.password}`).toString("base64")}`;
    // At least two rows: the user's creation and the login above (written in batches).
    let page: { next: string | null } = { next: null };
    for (let i = 0; i < 50 && page.next === null; i += 1) {
      const r = await fetch(`${origin}${PREFIX}/api/v1/audit/?page_size=1`, {
        headers: { authorization: auth },
      });
      expect(r.status).toBe(200);
      page = (await r.json()) as { next: string | null };
      if (page.next === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(page.next).toBe(`${origin}${PREFIX}/api/v1/audit/?page_size=1&page=2`);
    const second = await fetch(page.next ?? "", { headers: { authorization: auth } });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { previous: string }).previous).toBe(
      `${origin}${PREFIX}/api/v1/audit/?page_size=1&page=1`,
    );
  });
});
