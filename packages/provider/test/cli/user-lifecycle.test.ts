import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../helpers/databases.js";
import {
  createServiceFixture,
  loopbackRequest,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

/**
 * `deactivate-user`, `activate-user` and `delete-user` (the charm's actions run them) against a
 * running service: what an operator expects to stop, stops at once, without a restart.
 */
describe.each(DATABASE_KINDS)("user lifecycle commands against the running service on %s", (kind) => {
  let fx: ServiceFixture;
  let svc: ServiceProcess;
  const alice = { username: "alice", password: "alice-password-1" };
  const staff = { username: "ops", password: "ops-password-123" };
  const cli = (...args: string[]) => runCli(fx.env, ...args);

  beforeAll(async () => {
    fx = await createServiceFixture(kind);
    expect((await cli("create-user", alice.username, "--password", alice.password)).code).toBe(0);
    expect((await cli("allow-domains", "alice", "--domains", "www.example.test")).code).toBe(0);
    expect((await cli("create-superuser", staff.username, "--password", staff.password)).code).toBe(0);
    svc = await startServiceProcess(fx.env);
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
    await fx?.dispose();
  });

  const body = JSON.stringify({ fqdn: "_acme-challenge.www.example.test.", value: "lifecycle-1" });
  const json = { "content-type": "application/json" };
  const presentBasic = () => loopbackRequest(`${svc.url}/present`, { body, headers: json, auth: alice });
  const presentBearer = (token: string) =>
    loopbackRequest(`${svc.url}/present`, { body, headers: { ...json, authorization: `Bearer ${token}` } });
  const accessToken = async (): Promise<string> => {
    const r = await loopbackRequest(`${svc.url}/api/v1/auth/token/`, {
      body: JSON.stringify(alice),
      headers: json,
    });
    expect(r.status).toBe(200);
    return (JSON.parse(r.body) as { access: string }).access;
  };

  it("deactivate-user ends the password and tokens at once and keeps the grants; activate-user restores both", async () => {
    const token = await accessToken();
    expect((await presentBasic()).status).toBe(200);
    expect((await presentBearer(token)).status).toBe(200);

    const off = await cli("deactivate-user", "alice", "--json");
    expect(off).toMatchObject({ code: 0 });
    expect(JSON.parse(off.stdout)).toEqual({ username: "alice", active: false, changed: true });
    expect((await presentBasic()).status).toBe(401);
    expect((await presentBearer(token)).status).toBe(401);
    expect(JSON.parse((await cli("list-domains", "alice", "--json")).stdout)).toEqual({
      username: "alice",
      domains: ["www.example.test"],
      subdomains: [],
    });
    expect(await cli("deactivate-user", "alice")).toMatchObject({
      code: 0,
      stdout: 'User "alice" is already inactive\n',
    });

    expect(await cli("activate-user", "alice")).toMatchObject({
      code: 0,
      stdout: 'Activated user "alice": its password and grants work again\n',
    });
    expect((await presentBasic()).status).toBe(200);
    // The token was bound to the account state when it was issued (decision 0702): it works again too.
    expect((await presentBearer(token)).status).toBe(200);
  });

  it("delete-user removes the user and its grants; the audit trail keeps the name", async () => {
    const r = await cli("delete-user", "alice", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      username: "alice",
      deleted: true,
      domains: ["www.example.test"],
      subdomains: [],
    });
    expect((await presentBasic()).status).toBe(401);
    expect(await cli("list-domains", "alice")).toMatchObject({
      code: 1,
      stderr: 'Error: User "alice" does not exist\n',
    });

    const audit = await loopbackRequest(`${svc.url}/api/v1/audit/?user=alice`, { auth: staff });
    expect(audit.status).toBe(200);
    const rows = (
      JSON.parse(audit.body) as {
        results: { source: string; actor: string; action: string; detail: string }[];
      }
    ).results;
    const fromCli = rows
      .filter((row) => row.source === "cli")
      .map((row) => [row.actor, row.action, row.detail]);
    expect(fromCli).toEqual([
      ["(cli)", "user.delete", "deleted alice and its grants: domains www.example.test"],
      ["(cli)", "user.reactivate", "reactivated alice"],
      ["(cli)", "user.deactivate", "deactivated alice"],
      ["(cli)", "grant.create", "granted alice domains www.example.test"],
      ["(cli)", "user.create", "created user alice"],
    ]);
  });

  it.each([["deactivate-user"], ["activate-user"], ["delete-user"]])(
    "%s refuses an unknown user with exit 1 and changes nothing",
    async (command) => {
      expect(await cli(command, "nobody")).toMatchObject({
        code: 1,
        stdout: "",
        stderr: 'Error: User "nobody" does not exist\n',
      });
    },
  );

  it.each([
    ["deactivate-user", /password, tokens and admin sessions stop working at once;\s+grants are kept/],
    ["activate-user", /Activate a deactivated user again/],
    ["delete-user", /Delete a user and its grants; the audit trail keeps its name/],
  ])("%s --help says what it does and takes <username> [--json]", async (command, description) => {
    const r = await cli(command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(description);
    expect(r.stdout).toContain(`Usage: httprequest-lego-provider ${command} [options] <username>`);
    expect(r.stdout).toContain("--json");
  });
});
