import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGIN_FAILED } from "../../src/admin/admin-router.js";
import { basic } from "../helpers/server.js";
import { type AdminHarness, PLAIN, STAFF, startAdminHarness } from "./harness.js";

/** Debian's chromium package; the test never downloads a browser. */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts/admin");
const FQDN = "_acme-challenge.www.example.com";

// Run inside the page (strings, since this package is not compiled against the DOM types).
const UNLABELLED_CONTROLS = `[...document.querySelectorAll("input:not([type=hidden]), select")]
  .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => el.outerHTML)`;
const UNNAMED_BUTTONS = `[...document.querySelectorAll("button")]
  .filter((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim() === "").length`;
const WIDER_THAN_SCREEN = `[...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .map((el) => el.tagName + "." + el.className + " " + Math.round(el.getBoundingClientRect().right))`;

describe("admin pages in headless Chromium", () => {
  let h: AdminHarness;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let alicePassword = "";

  const grantForm = () => page.getByRole("region", { name: "Grant or revoke access" });
  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function present(username: string, password: string): Promise<number> {
    const res = await fetch(`${h.url}/present`, {
      method: "POST",
      headers: { authorization: basic(username, password), "content-type": "application/json" },
      body: JSON.stringify({ fqdn: `${FQDN}.`, value: "browser-test-token-1" }),
    });
    return res.status;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install the Debian package (apt-get install -y chromium)`,
      );
    }
    await mkdir(ARTIFACTS, { recursive: true });
    h = await startAdminHarness("postgresql");
    profile = await mkdtemp(path.join(os.tmpdir(), "hlp-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1200, height: 800 },
    });
    context.setDefaultTimeout(10_000);
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await h?.close();
  });

  it("refuses a non-staff user at the login form", async () => {
    await page.goto(`${h.url}/admin/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/admin/login");
    await page.getByLabel("Username").fill(PLAIN.username);
    await page.getByLabel("Password").fill(PLAIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain(LOGIN_FAILED.slice(0, 50));
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await shot("01-login-refused");
  });

  it("lets a staff user log in with the keyboard alone", async () => {
    await page.goto(`${h.url}/admin/login`);
    await page.keyboard.press("Tab");
    await expect.poll(() => page.evaluate<string | undefined>("document.activeElement?.id")).toBe("username");
    await page.keyboard.type(STAFF.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(STAFF.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/admin\/users$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Users");
    const cookies = await context.cookies(`${h.url}/admin/users`);
    expect(cookies.find((c) => c.name === "hlp_admin_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
      path: "/admin",
      secure: false,
    });
    await shot("02-users");
  });

  it("shows an inline error for an invalid username, then creates a user and shows its password once", async () => {
    await page.getByLabel("Username", { exact: true }).fill("bad name");
    await page.getByRole("button", { name: "Create user" }).click();
    const field = page.getByLabel("Username", { exact: true });
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#username-error").textContent()).toContain('Invalid username "bad name"');
    await shot("03-users-inline-error");

    await field.fill("alice");
    await page.getByLabel("Email (optional)").fill("alice@example.com");
    await page.getByRole("button", { name: "Create user" }).click();
    const secret = page.locator("#new-password");
    await secret.waitFor();
    alicePassword = (await secret.textContent()) ?? "";
    expect(alicePassword).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await page.getByRole("status").textContent()).toContain("shown only this once");
    await shot("04-user-created");
    // Not stored anywhere a reload could show it again.
    await page.goto(`${h.url}/admin/users`);
    expect(await page.content()).not.toContain(alicePassword);
    expect(await page.getByRole("row", { name: /alice/ }).textContent()).toContain("alice@example.com");
  });

  it("grants a subdomain with the CLI's validation and messages", async () => {
    await page.getByRole("link", { name: "Domains & grants" }).click();
    await page.waitForURL(/\/admin\/grants$/);
    const form = grantForm();
    await form.getByLabel("User").fill("alice");
    await form.getByLabel("Access").selectOption("subdomain");
    await form.getByLabel("Domains").fill("example.com, bad_domain");
    await form.getByRole("button", { name: "Grant", exact: true }).click();
    await expect.poll(() => page.locator("#domains-error").textContent()).toContain("Nothing was changed:");
    expect(await page.locator("#domains-error").textContent()).toContain(
      '[Domain: bad_domain, Access: subdomain] Invalid domain "bad_domain"',
    );
    await shot("05-grants-inline-error");

    await grantForm().getByLabel("Domains").fill("example.com");
    await grantForm().getByRole("button", { name: "Grant", exact: true }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Successfully granted access to all domains.");
    const row = page.getByRole("row", { name: /alice/ });
    expect(await row.textContent()).toMatch(/example\.com\s*subdomain/);
    await shot("06-grants");
  });

  it("shows a real /present by that user on the activity page, filtered by user and domain", async () => {
    expect(await present("alice", alicePassword)).toBe(200);
    expect(h.store.records.get(FQDN)).toEqual(new Set(["browser-test-token-1"]));
    expect(await present(PLAIN.username, PLAIN.password)).toBe(403);

    await page.getByRole("link", { name: "Activity" }).click();
    await page.getByLabel("User").fill("alice");
    await page.getByLabel("Domain", { exact: true }).fill("example.com");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/user=alice/);
    const rows = page.locator("#activity tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    const text = (await rows.first().textContent()) ?? "";
    expect(text).toContain("alice");
    expect(text).toContain(FQDN);
    expect(text).toContain("present");
    expect(text).toContain("ok (200)");
    expect(text).toMatch(/\d+ ms/);
    expect(text).toMatch(/[0-9a-f]{10}/);
    await shot("07-activity");
  });

  it("revokes the grant, after which the next /present is refused", async () => {
    await page.getByRole("link", { name: "Domains & grants" }).click();
    await page.getByRole("button", { name: "Revoke subdomain access to example.com from alice" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Successfully revoked access to all domains.");
    expect(await page.locator("main").textContent()).toContain("No grants yet.");
    expect(await present("alice", alicePassword)).toBe(403);

    // Revoking again fails with the CLI's message, inline.
    await grantForm().getByLabel("User").fill("alice");
    await grantForm().getByLabel("Domains").fill("example.com");
    await grantForm().getByRole("button", { name: "Revoke", exact: true }).click();
    await expect
      .poll(() => page.locator("#domains-error").textContent())
      .toContain('[Domain: example.com, Access Level: subdomain] User "alice" does not hold this grant.');

    await page.goto(`${h.url}/admin/activity?kind=challenge&user=alice`);
    const first = (await page.locator("#activity tbody tr").first().textContent()) ?? "";
    expect(first).toContain("denied (403)");
    expect(first).toContain("does not have permission");
    await shot("08-activity-refused");
    await page.getByRole("link", { name: "Admin changes" }).click();
    const changes = (await page.locator("#activity tbody").textContent()) ?? "";
    for (const action of ["user.create", "grant.create", "grant.revoke", "session.login"])
      expect(changes).toContain(action);
    expect(changes).toContain("granted subdomain access to example.com to alice");
    await shot("09-activity-admin-changes");
  });

  it("resets a password, sets the staff flag and deactivates a user", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "Reset the password of alice" }).click();
    await page.locator("#new-password").waitFor();
    const fresh = (await page.locator("#new-password").textContent()) ?? "";
    expect(fresh).not.toBe(alicePassword);
    expect(await present("alice", alicePassword)).toBe(401);
    expect(await present("alice", fresh)).toBe(403); // authenticated, but holds no grant any more

    await page.getByRole("button", { name: "Make alice staff" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Made alice staff.");
    expect(await page.getByRole("row", { name: /alice/ }).textContent()).toContain("staff");
    await page.getByRole("button", { name: "Deactivate alice" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Deactivated alice");
    expect(await page.getByRole("row", { name: /alice/ }).textContent()).toContain("inactive");
    expect(await present("alice", fresh)).toBe(401);
    // Own account: no buttons that would lock the staff user out.
    expect(await page.getByRole("button", { name: "Deactivate admin" }).count()).toBe(0);
    await shot("10-users-after-changes");
  });

  it("refuses a forged request: without the CSRF token, and from a same-site page that carries the cookie", async () => {
    // The page's own Content-Security-Policy forbids scripts and fetch(), so send it from the
    // browser context, which carries the session cookie like any request from the browser.
    const direct = await context.request.post(`${h.url}/admin/users`, {
      form: { username: "mallory" },
      maxRedirects: 0,
    });
    expect(direct.status()).toBe(403);

    // Another origin on the same site (127.0.0.1, other port): SameSite lets the cookie through,
    // but the browser marks the request Sec-Fetch-Site: same-site, which is refused before the
    // token is even looked at (decision 0710); the token is the second layer (checked above).
    const target = `${h.url}/admin/users`;
    const attacker = http.createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<!doctype html><form id="f" method="post" action="${target}">
<input name="username" value="mallory2"><input name="is_staff" value="1"></form>
<script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = attacker.address() as AddressInfo;
      const response = await Promise.all([
        page.waitForResponse((r) => r.url() === target && r.request().method() === "POST"),
        page.goto(`http://127.0.0.1:${port}/`),
      ]).then(([r]) => r);
      expect(response.status()).toBe(403);
      await page.waitForLoadState();
      expect(await page.content()).toContain("Cross-site request refused");
      await shot("11-forged-request-refused");
    } finally {
      await new Promise<void>((resolve) => {
        attacker.close(() => resolve());
        attacker.closeAllConnections();
      });
    }
    expect(await h.accounts.users.findByUsername("mallory")).toBeUndefined();
    expect(await h.accounts.users.findByUsername("mallory2")).toBeUndefined();
  });

  it("labels every control and fits a phone screen", async () => {
    for (const p of ["users", "grants", "activity"]) {
      await page.goto(`${h.url}/admin/${p}`);
      const unlabelled = await page.evaluate<string[]>(UNLABELLED_CONTROLS);
      expect(unlabelled).toEqual([]);
      const unnamedButtons = await page.evaluate<number>(UNNAMED_BUTTONS);
      expect(unnamedButtons).toBe(0);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    for (const p of ["users", "grants", "activity?kind=challenge&user=alice"]) {
      await page.goto(`${h.url}/admin/${p}`);
      const wide = await page.evaluate<string[]>(WIDER_THAN_SCREEN);
      expect(wide).toEqual([]);
      await shot(`12-phone-${p.split("?")[0]}`);
    }
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  it("logs out: the pages then ask for a login again", async () => {
    await page.goto(`${h.url}/admin/users`);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/admin\/login\?logged_out=1$/);
    expect(await page.getByRole("status").textContent()).toBe("You have logged out.");
    await shot("13-logged-out");
    await page.goto(`${h.url}/admin/users`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
  });
});
