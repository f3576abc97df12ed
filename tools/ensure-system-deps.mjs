#!/usr/bin/env node
// Installs the Debian packages the test suites need, when a command they provide is missing.
// Tests use the real tools (git, sshd, bind9, lego, Pebble, Chromium, skopeo, umoci), never fakes.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** command (or absolute path) → Debian package that provides it */
const REQUIRED = {
  git: "git",
  ssh: "openssh-client",
  "/usr/sbin/sshd": "openssh-server",
  "ssh-keyscan": "openssh-client",
  "named-checkzone": "bind9-utils",
  "/usr/sbin/named": "bind9",
  dig: "dnsutils",
  lego: "lego",
  pebble: "pebble",
  dehydrated: "dehydrated",
  curl: "curl",
  openssl: "openssl",
  unshare: "util-linux",
  ip: "iproute2",
  chromium: "chromium",
  skopeo: "skopeo",
  umoci: "umoci",
  strip: "binutils",
  // The tests' PostgreSQL: the machine's on 127.0.0.1:5432 if it answers, else a private
  // throw-away cluster from these server binaries (tools/test-postgres). psql and pg_dump are
  // run by the Django-move and rock tests.
  "/usr/lib/postgresql/*/bin/initdb": "postgresql",
  psql: "postgresql-client",
  pg_dump: "postgresql-client",
};

if (process.argv.includes("--help")) {
  console.log(`Usage: node tools/ensure-system-deps.mjs [--check]

Installs (with apt-get, as root) the Debian packages the tests need when a command is missing
(PostgreSQL is installed without creating or starting a system cluster):
${Object.entries(REQUIRED)
  .map(([cmd, pkg]) => `  ${cmd.padEnd(18)} ${pkg}`)
  .join("\n")}
  --only a,b  consider only these commands (e.g. --only git for \`pnpm start\`)
  --check     only report what is missing; exit 1 if anything is`);
  process.exit(0);
}

/** An absolute path may have one `*` directory level (any version below /usr/lib/postgresql). */
const pathExists = (pattern) => {
  const star = pattern.indexOf("/*/");
  if (star < 0) return existsSync(pattern);
  const parent = pattern.slice(0, star);
  const rest = pattern.slice(star + 3);
  return existsSync(parent) && readdirSync(parent).some((entry) => existsSync(join(parent, entry, rest)));
};

const has = (cmd) =>
  cmd.startsWith("/")
    ? pathExists(cmd)
    : spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex > 0 ? new Set((process.argv[onlyIndex + 1] ?? "").split(",")) : undefined;
const wanted = Object.entries(REQUIRED).filter(([cmd]) => !only || only.has(cmd));
const missing = [...new Set(wanted.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg))];
// The rock build resolves Debian packages from apt's lists: make sure they exist.
const aptListsEmpty =
  !only &&
  existsSync("/var/lib/apt/lists") &&
  !readdirSync("/var/lib/apt/lists").some((f) => f.includes("_Packages"));
if (aptListsEmpty && missing.length === 0 && process.getuid?.() === 0) {
  console.log("apt package lists are empty: apt-get update");
  execFileSync("apt-get", ["update", "-q"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}
if (missing.length === 0) {
  console.log("system packages: all present");
  process.exit(0);
}
if (process.argv.includes("--check")) {
  console.error(`missing Debian packages: ${missing.join(" ")}`);
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error(
    `missing Debian packages: ${missing.join(" ")}\nInstall them with: sudo apt-get install -y ${missing.join(" ")}`,
  );
  process.exit(1);
}
console.log(`installing Debian packages: ${missing.join(" ")}`);
if (missing.includes("postgresql")) {
  // Only the binaries are wanted: the tests start their own cluster when none answers. Without
  // this, the package would create the system cluster "main" and start it as a service.
  const dropIn = "/etc/postgresql-common/createcluster.d";
  mkdirSync(dropIn, { recursive: true });
  writeFileSync(
    join(dropIn, "50-tests-no-main-cluster.conf"),
    "# Written by tools/ensure-system-deps.mjs: the tests start private clusters themselves.\ncreate_main_cluster = false\n",
  );
}
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
  stdio: "inherit",
  env,
});
