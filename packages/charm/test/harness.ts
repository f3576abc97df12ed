import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { FakeJuju, type FakeJujuState, installHookTools } from "./doubles/juju.js";
import { type ExecHandler, FakePebble, type ServiceRunner } from "./doubles/pebble.js";
import { type FakeProviderState, newProviderState, providerExec } from "./doubles/workload.js";
import { extract, readZip, type ZipItem } from "./unzip.js";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CHARM_PATH = join(PACKAGE_DIR, "dist", "httprequest-lego-provider_amd64.charm");
export const APP = "httprequest-lego-provider";

let packed: Promise<ZipItem[]> | undefined;

/** The packed .charm's entries (test/global-setup.ts packs it when missing or out of date). */
export function packedCharm(): Promise<ZipItem[]> {
  packed ??= readZip(CHARM_PATH);
  return packed;
}

/** The layer the rock bakes (design 4), which Pebble loads before the charm's own. */
export const IMAGE_LAYER = `summary: httprequest-lego-provider
services:
  httprequest-lego-provider:
    override: replace
    command: /usr/bin/node --max-semi-space-size=4 --heap-growing-percent=20 --liftoff-only /app/dist/cli.js serve
    startup: enabled
    working-dir: /app
    user: _daemon_
    environment:
      NODE_ENV: production
      APP_DATA_DIR: /var/lib/httprequest-lego-provider
`;

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A workload container that really runs (tools/artifacts' test on the built rock): its root
 * filesystem, exec and services, and the layer its image bakes.
 */
export interface RealWorkload {
  readonly root: string;
  readonly exec: ExecHandler;
  readonly services: ServiceRunner;
  readonly imageLayer: string;
}

/** One unit of the charm: unpacked charm dir, Juju double state, the workload's Pebble double. */
export class Unit {
  readonly dir = mkdtempSync(join(tmpdir(), "hlp-charm-"));
  readonly charmDir = join(this.dir, "charm");
  readonly juju = new FakeJuju(join(this.dir, "juju-state.json"));
  readonly provider: FakeProviderState = newProviderState();
  /** Replaced with the pod (replacePod); the charm and Juju state stay. */
  pebble: FakePebble;
  private readonly bin = installHookTools(join(this.dir, "bin"));
  private readonly socketPath = join(this.dir, "containers", "app", "pebble.socket");

  constructor(
    items: readonly ZipItem[],
    state: FakeJujuState,
    readonly unitName = `${APP}/0`,
    workload?: RealWorkload,
  ) {
    extract(items, this.charmDir);
    this.juju.write(state);
    if (workload) {
      this.pebble = this.realPebble(workload);
      return;
    }
    const root = join(this.dir, "rootfs");
    mkdirSync(join(root, "app"), { recursive: true });
    writeFileSync(
      join(root, "app", "package.json"),
      JSON.stringify({ name: "@httprequest-lego-provider/provider", version: "1.0.0" }),
    );
    this.pebble = new FakePebble(this.socketPath, root, providerExec(this.provider));
    this.pebble.seedLayer("001-httprequest-lego-provider", IMAGE_LAYER);
  }

  private realPebble(workload: RealWorkload): FakePebble {
    const pebble = new FakePebble(this.socketPath, workload.root, workload.exec, workload.services);
    pebble.seedLayer("001-httprequest-lego-provider", workload.imageLayer);
    return pebble;
  }

  /**
   * The pod is recreated from another image: the old container's processes stop and a fresh Pebble
   * starts on the new root with only the image's layer. The charm directory and Juju state stay.
   */
  async replacePod(workload: RealWorkload): Promise<void> {
    await this.pebble.stop();
    this.pebble = this.realPebble(workload);
    await this.pebble.start();
  }

  /** Runs the packed `dispatch` as the unit agent does: JUJU_* env, cwd = charm dir. */
  async dispatch(path: string, env: Record<string, string> = {}): Promise<RunResult> {
    const result = await execa(join(this.charmDir, "dispatch"), [], {
      cwd: this.charmDir,
      reject: false,
      extendEnv: false,
      env: {
        PATH: `${this.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        JUJU_DISPATCH_PATH: path,
        JUJU_HOOK_NAME: path.startsWith("hooks/") ? path.slice(6) : "",
        JUJU_UNIT_NAME: this.unitName,
        JUJU_MODEL_NAME: "dns",
        JUJU_MODEL_UUID: "0f5a7b8c-1d2e-4f30-8a9b-0c1d2e3f4a5b",
        JUJU_CHARM_DIR: this.charmDir,
        JUJU_VERSION: "3.6.8",
        FAKE_JUJU_STATE: this.juju.statePath,
        HLP_CHARM_CONTAINERS_DIR: join(this.dir, "containers"),
        ...env,
      },
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /** Runs an action with params; returns results / failure message from the Juju double. */
  async action(
    name: string,
    params: Record<string, unknown>,
  ): Promise<{ results: Record<string, unknown>; failed?: string; exitCode: number }> {
    this.juju.update((s) => {
      s.action = { params };
    });
    const run = await this.dispatch(`actions/${name}`, { JUJU_ACTION_NAME: name, JUJU_ACTION_UUID: "1" });
    const action = this.juju.read().action;
    return {
      results: action?.results ?? {},
      ...(action?.failed ? { failed: action.failed } : {}),
      exitCode: run.exitCode,
    };
  }

  status(): { name: string; message: string } | undefined {
    return this.juju.read().status?.unit;
  }

  async close(): Promise<void> {
    await this.pebble.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function baseState(overrides: Partial<FakeJujuState> = {}): FakeJujuState {
  return {
    unit: `${APP}/0`,
    app: APP,
    leader: true,
    config: {},
    configDefaults: { "log-level": "info" },
    relations: [
      { id: "secret-storage:0", endpoint: "secret-storage", remoteApp: APP, peer: true, remoteUnits: {} },
    ],
    ...overrides,
  };
}
