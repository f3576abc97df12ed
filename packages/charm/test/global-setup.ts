import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packCharm } from "../src/pack/cli.js";

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHARM_PATH = join(PACKAGE_DIR, "dist", "httprequest-lego-provider_amd64.charm");

/** Newest modification time among the inputs of the .charm. */
function newestInput(): number {
  const files = readdirSync(join(PACKAGE_DIR, "src"), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
  // The provider's parsers are bundled in too (decision 0311).
  const provider = ["dns/git-remote.js", "log-level.js", "audit-retention.js"].map((f) =>
    join(PACKAGE_DIR, "..", "provider", "dist", f),
  );
  return Math.max(
    ...[...files, ...provider, join(PACKAGE_DIR, "charmcraft.yaml")].map((f) => statSync(f).mtimeMs),
  );
}

/** Packs the .charm once before the test files run (in parallel) when `pnpm build` has not. */
export default async function setup(): Promise<void> {
  if (!existsSync(CHARM_PATH) || statSync(CHARM_PATH).mtimeMs < newestInput()) {
    await packCharm({ packageDir: PACKAGE_DIR, outDir: join(PACKAGE_DIR, "dist"), strip: true });
  }
}
