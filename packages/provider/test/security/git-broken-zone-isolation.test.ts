/**
 * One broken zone file (a link, a directory, no SOA) must not fail other users' changes that
 * share its batch: concurrent requests to the real service, the broken zones' callers get a 502
 * naming the file and what is wrong, everyone else a 200 with their record in the remote.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, makeBareRepo, pushZoneEntries, remoteFile } from "../dns/git-fixtures.js";
import {
  createServiceFixture,
  loopbackRequest,
  runCli,
  type ServiceFixture,
  type ServiceProcess,
  startServiceProcess,
} from "../helpers/service-process.js";

describe("the service with broken zone files next to good ones", () => {
  let root: string;
  let bare: string;
  let fixture: ServiceFixture;
  let svc: ServiceProcess;
  const users = [
    { username: "alice", password: "alice-password-123" },
    { username: "bob", password: "bob-password-1234" },
  ];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "hlp-broken-zone-"));
    bare = await makeBareRepo(root, ["example.test", "example.org"], "remote.git");
    await pushZoneEntries(
      bare,
      {
        links: { "link.example.test.domain": "/etc/hostname" },
        directories: ["dir.example.test.domain"],
        files: { "nosoa.example.test.domain": "$TTL 3600\n@\tIN\tNS\tns1.example.test.\n" },
      },
      root,
    );
    fixture = await createServiceFixture("postgresql", { APP_GIT_REPO: `file://${bare}@main` });
    for (const u of users) {
      expect((await runCli(fixture.env, "create-user", u.username, "--password", u.password)).code).toBe(0);
    }
    expect((await runCli(fixture.env, "allow-domains", "alice", "--subdomains", "example.test")).code).toBe(
      0,
    );
    expect((await runCli(fixture.env, "allow-domains", "bob", "--subdomains", "example.org")).code).toBe(0);
    svc = await startServiceProcess({ ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" });
  });
  afterAll(async () => {
    await svc?.stop();
    await fixture?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it("fails the broken zones' requests only; the others land", async () => {
    const before = Number((await git(["--git-dir", bare, "rev-list", "--count", "main"])).trim());
    const requests = [
      ["alice", "_acme-challenge.a.example.test.", "good-a"],
      ["alice", "_acme-challenge.link.example.test.", "to-link"],
      ["bob", "_acme-challenge.b.example.org.", "good-b"],
      ["alice", "_acme-challenge.dir.example.test.", "to-dir"],
      ["alice", "_acme-challenge.nosoa.example.test.", "to-nosoa"],
      ["bob", "_acme-challenge.c.example.org.", "good-c"],
    ] as const;
    const responses = await Promise.all(
      requests.map(([user, fqdn, value]) =>
        loopbackRequest(`${svc.url}/present`, {
          auth: users.find((u) => u.username === user) as (typeof users)[number],
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ fqdn, value }),
        }),
      ),
    );
    const byValue = new Map<string, (typeof responses)[number] | undefined>(
      requests.map(([, , value], i) => [value, responses[i]]),
    );
    for (const value of ["good-a", "good-b", "good-c"]) expect(byValue.get(value)?.status).toBe(200);
    const message = (value: string) => {
      const r = byValue.get(value);
      expect(r?.status).toBe(502);
      return JSON.parse(r?.body ?? "{}").message as string;
    };
    expect(message("to-link")).toMatch(/Zone file link\.example\.test\.domain .*symbolic link/);
    expect(message("to-dir")).toMatch(/Zone file dir\.example\.test\.domain .*directory/);
    expect(message("to-nosoa")).toMatch(/Zone file nosoa\.example\.test\.domain .*no SOA record/);

    expect(await remoteFile(bare, "example.test.domain")).toContain('"good-a"');
    const org = await remoteFile(bare, "example.org.domain");
    expect(org).toContain('"good-b"');
    expect(org).toContain('"good-c"');
    expect(await remoteFile(bare, "nosoa.example.test.domain")).not.toContain("to-nosoa");
    // At most one commit per good request, none for the broken ones (usually fewer: they batch).
    const after = Number((await git(["--git-dir", bare, "rev-list", "--count", "main"])).trim());
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(3);
    // The service stays ready: a broken zone is not an unreachable repository.
    expect((await loopbackRequest(`${svc.url}/readyz`)).status).toBe(200);
  });
});
