import { chmod, lstat, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DatabaseKind } from "../helpers/databases.js";
import {
  createServiceFixture,
  loopbackRequest,
  runCli,
  startServiceProcess,
} from "../helpers/service-process.js";
import { START_TIMEOUT_MS, USER } from "./http-service.js";

/** Every path under `dir` (symlinks not followed) whose mode lets group or others in. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (p: string) => {
    const st = await lstat(p);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) found.push(`${(st.mode & 0o7777).toString(8)} ${path.relative(dir, p) || "."}`);
    if (st.isDirectory()) for (const name of await readdir(p)) await visit(path.join(p, name));
  };
  await visit(dir);
  return found;
}

interface Mode {
  readonly name: string;
  readonly kind: DatabaseKind;
  readonly dev: boolean;
  /** Files this mode must have created (so the check is not vacuous). */
  readonly expect: readonly string[];
}

const MODES: readonly Mode[] = [
  {
    name: "serve --dev on PGlite",
    kind: "pglite",
    dev: true,
    expect: ["pglite", "dev-secret-key", "demo-dns.git", "git"],
  },
  { name: "serve on PGlite", kind: "pglite", dev: false, expect: ["pglite", "git"] },
  { name: "serve on PostgreSQL", kind: "postgresql", dev: false, expect: ["git"] },
];

describe("files at rest in APP_DATA_DIR", () => {
  it.each(MODES)(
    "$name: the data dir is 0700 and nothing in it is open to group or others",
    async (m) => {
      const fixture = await createServiceFixture(m.kind);
      try {
        // An install from before this fix: a world-readable data dir with a world-readable file.
        await mkdir(fixture.dataDir, { recursive: true });
        await chmod(fixture.dataDir, 0o755);
        await writeFile(path.join(fixture.dataDir, "left-over"), "x", { mode: 0o644 });
        await chmod(path.join(fixture.dataDir, "left-over"), 0o644);
        const env: NodeJS.ProcessEnv = { ...fixture.env, APP_HOST: "127.0.0.1", APP_PORT: "0" };
        // --dev generates its own signing key and demo repository when none is configured.
        if (m.dev) {
          delete env.APP_SECRET_KEY;
          delete env.APP_GIT_REPO;
        }
        const svc = await startServiceProcess(env, ...(m.dev ? ["--dev"] : []));
        try {
          expect((await runCli(env, "create-user", USER.username, "--password", USER.password)).code).toBe(0);
          expect(
            (await runCli(env, "allow-domains", USER.username, "--subdomains", "example.test")).code,
          ).toBe(0);
          // A /present makes the service clone the DNS repository into the data dir.
          const r = await loopbackRequest(`${svc.url}/present`, {
            auth: USER,
            body: JSON.stringify({ fqdn: "_acme-challenge.www.example.test", value: "v" }),
            headers: { "content-type": "application/json" },
          });
          expect(r.status, r.body).toBe(200);
          expect(svc.output()).toMatch(/APP_DATA_DIR had files readable by other users/);
          expect((await stat(fixture.dataDir)).mode & 0o777).toBe(0o700);
          // PGlite sets its own file modes while it runs (they are tightened every minute and at
          // close); its directory is 0700, so nobody else can reach them meanwhile.
          expect(
            (await stat(path.join(fixture.dataDir, "pglite")).catch(() => undefined))?.mode ?? 0o700,
          ).toSatisfy((mode: number) => (mode & 0o777) === 0o700);
          expect((await openToOthers(fixture.dataDir)).filter((p) => !p.includes(" pglite/"))).toEqual([]);
          const names = await readdir(fixture.dataDir);
          for (const name of m.expect) expect(names).toContain(name);
        } finally {
          await svc.stop();
        }
        // Written during shutdown too (PGlite flushes its files on close).
        expect(await openToOthers(fixture.dataDir)).toEqual([]);
      } finally {
        await fixture.dispose();
      }
    },
    START_TIMEOUT_MS * 2,
  );
});
