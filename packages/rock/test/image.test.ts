import { execFileSync, spawnSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { SERVICE_NODE_FLAGS } from "@httprequest-lego-provider/provider/runtime-flags";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import {
  DATA_DIR,
  PEBBLE_LAYER_PATH,
  ROCK_METADATA_PATH,
  RUN_USER_GROUP_LINE,
  RUN_USER_PASSWD_LINE,
  SERVICE_NAME,
} from "../src/rock-spec.js";
import { imageEnv, inImage } from "./support/in-image.js";

const rock = inject("rock");
const { version } = rock.inputs;
const isRoot = process.getuid?.() === 0;

function skopeoJson(...args: string[]): Record<string, unknown> {
  return JSON.parse(
    execFileSync("skopeo", ["inspect", ...args, `oci-archive:${rock.result.path}:${version}`], {
      encoding: "utf8",
    }),
  );
}

describe("the .rock archive, read by standard OCI tools", () => {
  it("is found by skopeo under the version tag, with the manifest digest the builder reported", () => {
    const info = skopeoJson();
    expect(info.Digest).toBe(rock.result.manifestDigest);
    expect(info.Architecture).toBe("amd64");
    expect(info.Os).toBe("linux");
    expect(info.Layers).toEqual(rock.result.layers.map((l) => l.digest));
  });

  it("has a config that runs the service as uid 584792 from /app on port 8080 outside Juju", () => {
    const config = skopeoJson("--config") as {
      config: Record<string, unknown>;
      rootfs: { diff_ids: string[] };
    };
    expect(config.config.User).toBe("584792");
    expect(config.config.Entrypoint).toEqual(["/usr/bin/node", ...SERVICE_NODE_FLAGS, "/app/dist/cli.js"]);
    expect(config.config.Cmd).toEqual(["serve"]);
    expect(config.config.WorkingDir).toBe("/app");
    expect(config.config.ExposedPorts).toEqual({ "8080/tcp": {} });
    expect(config.config.Env).toContain(`APP_DATA_DIR=${DATA_DIR}`);
    expect(config.config.Env).toContain("NODE_ENV=production");
    expect(config.config.Labels).toMatchObject({
      "org.opencontainers.image.version": version,
      "org.opencontainers.image.title": "httprequest-lego-provider",
      "org.opencontainers.image.licenses": "Apache-2.0",
    });
    expect(config.rootfs.diff_ids).toEqual(rock.result.layers.map((l) => l.diffId));
  });

  it("fits the size budget of 80 MB", () => {
    expect(rock.result.size).toBeLessThanOrEqual(80_000_000);
  });
});

describe("the root filesystem unpacked by skopeo copy (digests re-verified) and umoci unpack", () => {
  const { bundle, rootfs } = rock.unpacked;

  it("gets a runtime spec from umoci with the image's user, command and working directory", async () => {
    const spec = JSON.parse(await readFile(join(bundle, "config.json"), "utf8")) as {
      process: { user: { uid: number; gid: number }; args: string[]; cwd: string };
    };
    if (isRoot) expect(spec.process.user).toMatchObject({ uid: 584792, gid: 584792 });
    expect(spec.process.args).toEqual([
      "/usr/bin/node",
      "--max-semi-space-size=4",
      "--heap-growing-percent=20",
      "--liftoff-only",
      "/app/dist/cli.js",
      "serve",
    ]);
    expect(spec.process.cwd).toBe("/app");
  });

  it("bakes a Pebble layer that names the service and starts it as _daemon_ from /app", async () => {
    const layer = parse(await readFile(join(rootfs, PEBBLE_LAYER_PATH), "utf8")) as {
      services: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(layer.services)).toEqual([SERVICE_NAME]);
    expect(layer.services[SERVICE_NAME]).toMatchObject({
      override: "replace",
      command:
        "/usr/bin/node --max-semi-space-size=4 --heap-growing-percent=20 --liftoff-only /app/dist/cli.js serve",
      startup: "enabled",
      user: "_daemon_",
      "working-dir": "/app",
      environment: { NODE_ENV: "production", APP_DATA_DIR: DATA_DIR },
    });
  });

  it("declares the run user with rockcraft's passwd and group lines, keeping root", async () => {
    const passwd = (await readFile(join(rootfs, "etc/passwd"), "utf8")).split("\n");
    const group = (await readFile(join(rootfs, "etc/group"), "utf8")).split("\n");
    expect(passwd).toContain(RUN_USER_PASSWD_LINE);
    expect(passwd[0]).toMatch(/^root:[^:]*:0:0:/);
    expect(group).toContain(RUN_USER_GROUP_LINE);
  });

  it.runIf(isRoot)("gives the run user the data directory and nothing else to write to in /app", async () => {
    const data = await stat(join(rootfs, DATA_DIR));
    expect([data.uid, data.gid]).toEqual([584792, 584792]);
    const app = await stat(join(rootfs, "app"));
    expect(app.uid).toBe(0);
    expect(app.mode & 0o022).toBe(0);
    const cli = await stat(join(rootfs, "app/dist/cli.js"));
    expect(cli.uid).toBe(0);
  });

  it("ships the provider with production dependencies only", async () => {
    const manifest = JSON.parse(await readFile(join(rootfs, "app/package.json"), "utf8")) as { name: string };
    expect(manifest.name).toBe("@httprequest-lego-provider/provider");
    await expect(stat(join(rootfs, "app/node_modules/express/package.json"))).resolves.toBeTruthy();
    await expect(stat(join(rootfs, "app/node_modules/vitest"))).rejects.toThrow();
    await expect(stat(join(rootfs, "app/node_modules/typescript"))).rejects.toThrow();
  });

  it("carries rockcraft's control data in /.rock/metadata.yaml", async () => {
    const metadata = parse(await readFile(join(rootfs, ROCK_METADATA_PATH), "utf8")) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      name: "httprequest-lego-provider",
      version,
      architecture: "amd64",
      base: "bare",
    });
    expect(metadata.created).toBe(rock.inputs.created);
  });

  it("has a CA bundle for https remotes", async () => {
    const bundle = await readFile(join(rootfs, "etc/ssl/certs/ca-certificates.crt"), "utf8");
    expect(bundle.match(/BEGIN CERTIFICATE/g)?.length ?? 0).toBeGreaterThan(100);
  });

  it.runIf(isRoot)("runs the image's own Node 24, git, ssh and CLI wrapper as uid 584792", () => {
    const run = (...argv: string[]) => {
      const command = inImage(rootfs, argv);
      return spawnSync(command.file, command.args, { encoding: "utf8", env: imageEnv() });
    };
    expect(
      run("/usr/bin/node", "-p", "process.version + ' ' + require('os').userInfo().username").stdout,
    ).toMatch(/^v24\.\d+\.\d+ _daemon_/);
    expect(run("/usr/bin/git", "--version").stdout).toMatch(/^git version 2\./);
    expect(run("/usr/bin/ssh", "-V").stderr).toMatch(/^OpenSSH_9/);
    expect(run("/usr/local/bin/httprequest-lego-provider", "--help").stdout).toMatch(/serve/);
  });
});
