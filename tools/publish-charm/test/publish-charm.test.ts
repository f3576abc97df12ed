/**
 * Runs the built CLI as a process against a fake `charmcraft` on PATH (test/fixtures/bin) that
 * follows charmcraft's documented JSON output and records every call.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { CHARM_FILE, type DistFixture, makeDistFixture, ROCK_FILE, VERSION } from "./helpers/dist-fixture.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "..", "lib", "cli.js");
const FAKE_BIN = join(here, "fixtures", "bin");
/** System directories only: node, skopeo, unzip, tar, but never a real charmcraft. */
const SYSTEM_PATH = [dirname(process.execPath), "/usr/bin", "/bin"].join(":");

interface Call {
  argv: string[];
  auth: boolean;
}

let dist: DistFixture;
let work: string;
let log: string;

beforeEach(async () => {
  dist = await makeDistFixture();
  work = await mkdtemp(join(tmpdir(), "publish-charm-run-"));
  log = join(work, "calls.jsonl");
  // Revisions the fake store will hand out next: charm 7, resource 3 (not 1, so nothing is assumed).
  await writeFile(join(work, "state.json"), JSON.stringify({ charm: 6, resource: 2 }));
  return async () => {
    await rm(dirname(dist.dir), { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  };
});

function run(args: string[], env: Record<string, string | undefined> = {}) {
  return execa("node", [CLI, "--dist-dir", dist.dir, ...args], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: `${FAKE_BIN}:${SYSTEM_PATH}`,
      HOME: work,
      CHARMCRAFT_AUTH: "fake-credentials",
      FAKE_CHARMCRAFT_LOG: log,
      FAKE_CHARMCRAFT_STATE: join(work, "state.json"),
      ...env,
    },
  });
}

async function calls(): Promise<Call[]> {
  if (!existsSync(log)) return [];
  return (await readFile(log, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Call);
}

const charmPath = () => join(dist.dir, CHARM_FILE);
const imageRef = () => `oci-archive:${join(dist.dir, ROCK_FILE)}:${VERSION}`;

describe("publish-charm against the fake charmcraft", () => {
  it("uploads the charm, uploads the rock as app-image and releases both revisions to latest/edge", async () => {
    const result = await run(["--json"]);
    expect(result.stderr).toContain(
      "Released httprequest-lego-provider revision 7 (app-image revision 3) to latest/edge",
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      charmRevision: 7,
      resourceRevision: 3,
      channel: "latest/edge",
    });
    expect((await calls()).map((c) => c.argv)).toEqual([
      ["upload", charmPath(), "--format=json"],
      ["upload-resource", "httprequest-lego-provider", "app-image", `--image=${imageRef()}`, "--format=json"],
      [
        "release",
        "httprequest-lego-provider",
        "--revision=7",
        "--channel=latest/edge",
        "--resource=app-image:3",
      ],
    ]);
    expect((await calls()).every((c) => c.auth)).toBe(true);
  });

  it("releases to the channel given with --channel", async () => {
    const result = await run(["--channel", "2.0/candidate"]);
    expect(result.exitCode).toBe(0);
    expect((await calls()).at(-1)?.argv).toContain("--channel=2.0/candidate");
  });

  it("prints progress for every step", async () => {
    const result = await run([]);
    expect(result.stderr).toMatch(/\[1\/3\] upload .*\n.*charm revision 7/);
    expect(result.stderr).toContain("[2/3] upload");
    expect(result.stderr).toContain("[3/3] release revision 7 with app-image revision 3 to latest/edge");
  });

  it("stops after a rejected charm upload with the store's code and message, releasing nothing", async () => {
    const result = await run([], { FAKE_CHARMCRAFT_FAIL: "upload" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("review-error: fake rejection of upload");
    expect((await calls()).map((c) => c.argv[0])).toEqual(["upload"]);
  });

  it("stops after a rejected resource upload without releasing the new charm revision", async () => {
    const result = await run([], { FAKE_CHARMCRAFT_FAIL: "upload-resource" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("review-error: fake rejection of upload-resource");
    expect((await calls()).map((c) => c.argv[0])).toEqual(["upload", "upload-resource"]);
  });

  it("reports a failed release with charmcraft's output", async () => {
    const result = await run([], { FAKE_CHARMCRAFT_FAIL: "release" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/charmcraft release .* exited with code 1/);
    expect(result.stderr).toContain("fake rejection of release");
  });

  it("refuses text where charmcraft promised JSON instead of scraping it", async () => {
    const result = await run([], { FAKE_CHARMCRAFT_GARBAGE: "upload" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("expected JSON from charmcraft --format=json");
    expect((await calls()).map((c) => c.argv[0])).toEqual(["upload"]);
  });
});

describe("publish-charm stops before any upload", () => {
  it("when charmcraft is not installed, saying how to install it", async () => {
    const result = await run([], { PATH: SYSTEM_PATH });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("nothing was uploaded");
    expect(result.stderr).toContain(
      "charmcraft is not on PATH; install it with `sudo snap install charmcraft --classic`",
    );
    expect(await calls()).toEqual([]);
  });

  it("when CHARMCRAFT_AUTH is unset, saying how to create credentials", async () => {
    const result = await run([], { CHARMCRAFT_AUTH: undefined });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      "CHARMCRAFT_AUTH is not set; create credentials with `charmcraft login --export",
    );
    expect(await calls()).toEqual([]);
  });

  it("when the rock is missing, saying to run pnpm build", async () => {
    await rm(join(dist.dir, ROCK_FILE));
    const result = await run([]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${join(dist.dir, ROCK_FILE)} is missing; run \`pnpm build\``);
    expect(await calls()).toEqual([]);
  });

  it("when the charm changed after the build wrote the manifest", async () => {
    await appendFile(charmPath(), "tampered");
    const result = await run([]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("changed after the build wrote manifest.json");
    expect(await calls()).toEqual([]);
  });

  it("when there is no manifest at all", async () => {
    await rm(join(dist.dir, "manifest.json"));
    const result = await run([]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/manifest\.json not found; run `pnpm build` first/);
    expect(await calls()).toEqual([]);
  });

  it("when every problem is present, listing all of them at once", async () => {
    const result = await run([], { PATH: SYSTEM_PATH, CHARMCRAFT_AUTH: undefined });
    expect(result.stderr).toContain("charmcraft is not on PATH");
    expect(result.stderr).toContain("CHARMCRAFT_AUTH is not set");
  });

  it("when the channel is not a Charmhub channel (usage error, exit 2)", async () => {
    const result = await run(["--channel", "latest/edgy"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("is not a Charmhub channel");
    expect(await calls()).toEqual([]);
  });
});

describe("publish-charm --dry-run", () => {
  it("prints every command with its arguments and runs none", async () => {
    const result = await run(["--dry-run", "--channel", "beta"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      `charmcraft upload ${charmPath()} --format=json`,
      `charmcraft upload-resource httprequest-lego-provider app-image --image=${imageRef()} --format=json`,
      "charmcraft release httprequest-lego-provider '--revision=<charm-revision>' --channel=beta '--resource=app-image:<resource-revision>'",
    ]);
    expect(await calls()).toEqual([]);
  });

  it("works without charmcraft or credentials and warns that a real run would stop", async () => {
    const result = await run(["--dry-run"], { PATH: SYSTEM_PATH, CHARMCRAFT_AUTH: undefined });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("charmcraft upload-resource");
    expect(result.stderr).toContain("warning: a real run would stop here: charmcraft is not on PATH");
    expect(result.stderr).toContain("warning: a real run would stop here: CHARMCRAFT_AUTH is not set");
  });

  it("with --image-source=docker-daemon shows the skopeo step and the image id it passes", async () => {
    const result = await run(["--dry-run", "--image-source", "docker-daemon"]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[1]).toBe(`skopeo copy ${imageRef()} docker-daemon:httprequest-lego-provider:${VERSION}`);
    expect(lines[2]).toContain(`--image=${dist.manifest.rock.ociConfigDigest.slice(7)} `);
  });

  it("warns when the artifacts were built from uncommitted changes", async () => {
    const manifestPath = join(dist.dir, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { git: { dirty: boolean } };
    manifest.git.dirty = true;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await run(["--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("warning: dist/ was built from uncommitted changes");
  });

  it("still refuses a missing artifact, since the plan would point at nothing", async () => {
    await rm(charmPath());
    const result = await run(["--dry-run"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
  });
});

describe("publish-charm --help", () => {
  it("documents the channel default, dry run and credentials", async () => {
    const result = await run(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('(default: "latest/edge")');
    expect(result.stdout).toContain("--dry-run");
    expect(result.stdout).toContain("CHARMCRAFT_AUTH");
  });
});
