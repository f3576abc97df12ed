import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Accounts, formatDomainList } from "../../src/accounts.js";
import { verifyPassword } from "../../src/auth/django-password.js";
import { MIGRATIONS, migrate } from "../../src/db/migrations.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";

describe.each(DATABASE_KINDS)("accounts on %s", (kind) => {
  let t: TestDatabase;
  let accounts: Accounts;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    expect(await migrate(t.db.knex)).toEqual(MIGRATIONS.map((m) => m.name));
    accounts = new Accounts(t.db.knex);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("migrating again is a no-op", async () => {
    expect(await migrate(t.db.knex)).toEqual([]);
  });

  it("creates a user with a generated password that verifies, then updates it", async () => {
    const first = await accounts.createOrUpdateUser("alice");
    expect(first.created).toBe(true);
    expect(first.generated).toBe(true);
    expect(first.password.length).toBeGreaterThanOrEqual(20);
    const stored = await accounts.users.findByUsername("alice");
    expect(stored?.password).toMatch(/^pbkdf2_sha256\$1000000\$/);
    expect(await verifyPassword(first.password, stored?.password ?? "")).toBe(true);

    const second = await accounts.createOrUpdateUser("alice", { password: "new-password" });
    expect(second.created).toBe(false);
    const updated = await accounts.users.findByUsername("alice");
    expect(await verifyPassword("new-password", updated?.password ?? "")).toBe(true);
    expect(await verifyPassword(first.password, updated?.password ?? "")).toBe(false);
  });

  it("rejects an invalid username", async () => {
    await expect(accounts.createOrUpdateUser("bad name")).rejects.toThrow(/Invalid username "bad name"/);
  });

  it("grants domains and subdomains, idempotently, and lists them like Django", async () => {
    await accounts.createOrUpdateUser("bob", { password: "pw" });
    expect(
      await accounts.allowDomains("bob", {
        domains: ["Example.com.", "example.org"],
        subdomains: ["example.net"],
      }),
    ).toEqual({
      granted: 3,
      alreadyHeld: 0,
    });
    expect(await accounts.allowDomains("bob", { domains: ["example.com"], subdomains: [] })).toEqual({
      granted: 0,
      alreadyHeld: 1,
    });
    const [list] = await accounts.listDomains("bob");
    expect(list).toEqual({
      username: "bob",
      domains: ["example.com", "example.org"],
      subdomains: ["example.net"],
    });
    expect(formatDomainList(list ? [list] : [])).toBe(
      "\nbob:\n    domains:\n        example.com, example.org\n    subdomains:\n        example.net",
    );
    const found = await accounts.users.findWithGrants("bob");
    expect(found?.grants).toHaveLength(3);
  });

  it("a batch with one invalid domain changes nothing and names every failure", async () => {
    await accounts.createOrUpdateUser("carol", { password: "pw" });
    await expect(
      accounts.allowDomains("carol", {
        domains: ["good.example", "bad_domain.example"],
        subdomains: ["-x.example"],
      }),
    ).rejects.toThrow(/Nothing was changed:\n.*bad_domain\.example.*\n.*-x\.example/);
    expect((await accounts.listDomains("carol"))[0]?.domains).toEqual([]);
  });

  it("revokes, and a batch with a missing grant revokes nothing", async () => {
    await accounts.createOrUpdateUser("dave", { password: "pw" });
    await accounts.allowDomains("dave", { domains: ["a.example", "b.example"], subdomains: [] });
    await expect(
      accounts.revokeDomains("dave", { domains: ["a.example", "never-granted.example"], subdomains: [] }),
    ).rejects.toThrow(/Nothing was revoked:\n.*never-granted\.example.*Domain does not exist/);
    expect((await accounts.listDomains("dave"))[0]?.domains).toEqual(["a.example", "b.example"]);
    expect(await accounts.revokeDomains("dave", { domains: ["a.example"], subdomains: [] })).toEqual({
      revoked: 1,
    });
    expect((await accounts.listDomains("dave"))[0]?.domains).toEqual(["b.example"]);
    await expect(accounts.revokeDomains("dave", { domains: ["a.example"], subdomains: [] })).rejects.toThrow(
      /does not hold this grant/,
    );
  });

  it("errors for unknown users and empty requests", async () => {
    await expect(accounts.allowDomains("nobody", { domains: ["x.example"], subdomains: [] })).rejects.toThrow(
      'User "nobody" does not exist',
    );
    await expect(accounts.listDomains("nobody")).rejects.toThrow('User "nobody" does not exist');
    await expect(accounts.allowDomains("bob", { domains: [], subdomains: [] })).rejects.toThrow(
      /at least one/,
    );
  });

  it("list-domains '*' lists every user, including those without grants", async () => {
    const all = await accounts.listDomains("*");
    expect(all.map((l) => l.username)).toEqual(["alice", "bob", "carol", "dave"]);
  });

  it("deleting a user removes its grants", async () => {
    const eve = await accounts.createOrUpdateUser("eve", { password: "pw" });
    await accounts.allowDomains("eve", { domains: ["eve.example"], subdomains: [] });
    expect(await accounts.users.delete(eve.user.id)).toBe(true);
    expect(await accounts.grants.listPermissions({ userId: eve.user.id })).toEqual([]);
  });
});
