import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Accounts } from "./accounts.js";

export interface DemoCredentials {
  readonly username: string;
  readonly password: string;
}

export const DEMO_ZONE = "example.test";

/**
 * Development only: a demo user that may manage example.test and every name under it. Its
 * password is kept (0600) in the data dir so every `pnpm start` can print working credentials.
 */
export async function ensureDemoUser(accounts: Accounts, dataDir: string): Promise<DemoCredentials> {
  const file = path.join(dataDir, "demo-credentials.json");
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as DemoCredentials;
    if (await accounts.users.findByUsername(saved.username)) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" && !(err instanceof SyntaxError)) throw err;
  }
  const { password } = await accounts.createOrUpdateUser("demo");
  await accounts.allowDomains("demo", { domains: [DEMO_ZONE], subdomains: [DEMO_ZONE] });
  const creds = { username: "demo", password };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(creds)}\n`, { mode: 0o600 });
  return creds;
}
