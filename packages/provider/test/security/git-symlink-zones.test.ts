/**
 * A symbolic link named like a zone file in the DNS repository must never be followed: /present
 * for its zone fails naming the file, and the link's target outside the clone is unchanged byte
 * for byte. Run on both write paths of the real service: a SHA-256 repository (git commit + git
 * push in the clone's working tree, where the link is checked out) and a SHA-1 one (direct push).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

const OUTSIDE_TEXT = "# not a zone: a file the service can write, outside its clone\nkeep: me\n";

describe.each(["sha256", "sha1"] as const)(
  "the service over a %s repository with a linked zone",
  (format) => {
    let root: string;
    let bare: string;
    let outside: string;
    let fixture: ServiceFixture;
    let svc: ServiceProcess;
    const auth = { username: "acme", password: "acme-password-123" };

    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), "hlp-symlink-"));
      outside = path.join(root, "outside.txt");
      await writeFile(outside, OUTSIDE_TEXT);
      bare = await makeBareRepo(root, ["example.test", "example.org"], "remote.git", format);
      await pushZoneEntries(bare, { links: { "evil.example.test.domain": outside } }, root);
      fixture = await createServiceFixture("postgresql", { APP_GIT_REPO: `file://${bare}@main` });
      expect(
        (await runCli(fixture.env, "create-user", auth.username, "--password", auth.password)).code,
      ).toBe(0);
      expect(
        (await runCli(fixture.env, "allow-domains", auth.username, "--subdomains", "example.test")).code,
      ).toBe(0);
      svc = await startServiceProcess({ ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" });
    });
    afterAll(async () => {
      await svc?.stop();
      await fixture?.dispose();
      await rm(root, { recursive: true, force: true });
    });

    function present(fqdn: string, value: string) {
      return loopbackRequest(`${svc.url}/present`, {
        auth,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ fqdn, value }),
      });
    }

    it("refuses the linked zone, naming it, and writes nothing through the link", async () => {
      const r = await present("_acme-challenge.www.evil.example.test.", "through-the-link");
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body).message).toMatch(
        /Zone file evil\.example\.test\.domain .*symbolic link; zone files must be regular files/,
      );
      const cleanup = await loopbackRequest(`${svc.url}/cleanup`, {
        auth,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ fqdn: "_acme-challenge.evil.example.test.", value: "x" }),
      });
      expect(cleanup.status).toBe(502);
      expect(await readFile(outside, "utf8")).toBe(OUTSIDE_TEXT);
      expect(await git(["--git-dir", bare, "ls-tree", "main", "evil.example.test.domain"])).toMatch(
        /^120000 /,
      );
    });

    it("still serves the regular zones", async () => {
      const r = await present("_acme-challenge.www.example.test.", "regular");
      expect(r.status).toBe(200);
      expect(await remoteFile(bare, "example.test.domain")).toContain('"regular"');
      expect(await readFile(outside, "utf8")).toBe(OUTSIDE_TEXT);
    });
  },
);
