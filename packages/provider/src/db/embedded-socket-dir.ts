import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";

/**
 * Where the embedded database's unix socket lives for a data dir: `<data dir>/pglite-run`, or a
 * stable short path under the temporary directory when that would make the socket path too long
 * (unix socket paths are limited to about 107 bytes). The bench reads the audit rows through it.
 */
export function embeddedSocketDir(dataDir: string): string {
  const dir = path.join(dataDir, "pglite-run");
  if (path.join(dir, ".s.PGSQL.5432").length < 100) return dir;
  const digest = createHash("sha256").update(dataDir).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), `hlp-${digest}`);
}
