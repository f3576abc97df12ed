import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HOOK_TOOLS = [
  "is-leader",
  "config-get",
  "action-get",
  "action-set",
  "action-fail",
  "action-log",
  "status-set",
  "juju-log",
  "application-version-set",
  "open-port",
  "relation-ids",
  "relation-list",
  "relation-get",
  "relation-set",
  "secret-get",
  "secret-add",
  "network-get",
] as const;

export interface FakeRelation {
  id: string;
  endpoint: string;
  remoteApp: string;
  peer?: boolean;
  localApp?: Record<string, string>;
  localUnit?: Record<string, string>;
  remoteAppData?: Record<string, string>;
  remoteUnits?: Record<string, Record<string, string>>;
}

/**
 * A secret as the unit sees it. `owner: "model"` is a user secret, readable only once `granted`
 * lists the application. `revisions` (oldest first) replaces `content` when a test needs more
 * than one; `consumedRevision` is the revision this unit tracks (set by secret-get).
 */
export interface FakeSecret {
  content: Record<string, string>;
  label?: string;
  owner?: string;
  granted?: string[];
  revisions?: Record<string, string>[];
  consumedRevision?: number;
}

export interface FakeJujuState {
  unit: string;
  app: string;
  leader: boolean;
  config: Record<string, unknown>;
  configDefaults?: Record<string, unknown>;
  relations: FakeRelation[];
  secrets?: Record<string, FakeSecret>;
  action?: {
    params: Record<string, unknown>;
    results?: Record<string, unknown>;
    failed?: string;
    logs?: string[];
  };
  status?: {
    unit?: { name: string; message: string };
    app?: { name: string; message: string };
    unitHistory?: { name: string; message: string }[];
    appHistory?: { name: string; message: string }[];
  };
  logs?: { level: string; message: string }[];
  applicationVersion?: string;
  openedPorts?: string[];
  calls?: string[][];
  relationSets?: { id: string; app: boolean; data: Record<string, string> }[];
  unitAddress?: string;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "hook-tool.mjs");

/** A directory with every hook tool (symlinks to the double) to put first on PATH. */
export function installHookTools(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(SCRIPT, 0o755);
  for (const tool of HOOK_TOOLS) symlinkSync(SCRIPT, join(dir, tool));
  return dir;
}

export class FakeJuju {
  constructor(readonly statePath: string) {}

  write(state: FakeJujuState): void {
    writeFileSync(this.statePath, JSON.stringify(state, null, 2));
  }

  read(): FakeJujuState {
    return JSON.parse(readFileSync(this.statePath, "utf8")) as FakeJujuState;
  }

  update(fn: (state: FakeJujuState) => void): FakeJujuState {
    const state = this.read();
    fn(state);
    this.write(state);
    return state;
  }

  relation(endpoint: string): FakeRelation | undefined {
    return this.read().relations.find((r) => r.endpoint === endpoint);
  }
}
