import { execFileSync } from "node:child_process";

/** Debian packages the image tests need on the host (besides the builder's own tools). */
export const TEST_PACKAGES: Readonly<Record<string, string>> = {
  skopeo: "skopeo",
  umoci: "umoci",
  unshare: "util-linux",
};

function onPath(program: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v -- "$1"', "sh", program], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Installs missing test tools with apt-get when running as root; otherwise says what to install. */
export function ensureTestTools(): void {
  const missing = Object.entries(TEST_PACKAGES).filter(([program]) => !onPath(program));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0) {
    throw new Error(
      `image tests need ${missing.map(([p]) => p).join(", ")}: apt-get install ${packages.join(" ")}`,
    );
  }
  execFileSync("apt-get", ["install", "-y", "-q", "-o", "DPkg::Lock::Timeout=120", "--", ...packages], {
    stdio: "inherit",
  });
}
