/**
 * Development default: a local bare repository holding one demo zone, so `pnpm start` works
 * without any DNS repository configured. Created once; later calls return the same URL.
 */
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GitRunner, gitEnvironment } from "./git-runner.js";

export const DEMO_ZONE = "example.test";

const DEMO_ZONE_TEXT = `; Demo zone for local development, created by httprequest-lego-provider.
$TTL 3600
@\tIN\tSOA\tns1.example.test. hostmaster.example.test. (
\t\t2024010100 ; serial
\t\t3600       ; refresh
\t\t600        ; retry
\t\t604800     ; expire
\t\t600 )      ; negative caching TTL
\tIN\tNS\tns1.example.test.
ns1\tIN\tA\t127.0.0.1
`;

/** Returns the file:// URL of `<dataDir>/demo-dns.git`, creating it on first use. */
export async function ensureDemoRepository(dataDir: string): Promise<string> {
  const bare = resolve(dataDir, "demo-dns.git");
  const url = `file://${bare}`;
  try {
    await access(join(bare, "HEAD"));
    return url;
  } catch {
    // not there yet
  }
  await mkdir(resolve(dataDir), { recursive: true });
  const work = `${bare}.work-${process.pid}`;
  const tmpBare = `${bare}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await rm(tmpBare, { recursive: true, force: true });
  const env = gitEnvironment(
    { name: "httprequest-lego-provider", email: "httprequest-lego-provider@localhost" },
    {},
    "file",
  );
  try {
    await mkdir(work);
    const git = new GitRunner(work, env);
    await git.run(["init", "--quiet", "--initial-branch", "main"]);
    await writeFile(join(work, `${DEMO_ZONE}.domain`), DEMO_ZONE_TEXT);
    await git.run(["add", "--", `${DEMO_ZONE}.domain`]);
    await git.run(["commit", "--quiet", "-m", "Demo zone example.test"]);
    await git.run(["clone", "--quiet", "--bare", "--", work, tmpBare]);
    try {
      await rename(tmpBare, bare);
    } catch (err) {
      // Another process created it at the same moment: use theirs.
      await access(join(bare, "HEAD")).catch(() => {
        throw err;
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(tmpBare, { recursive: true, force: true });
  }
  return url;
}
