// The workload behind the charm's Pebble double made real: exec and services run inside an unpacked rock's
// root filesystem (namespaces + chroot, the rock's own helper), as the requested user with the
// requested environment. The pod has one network namespace, as on Kubernetes: its services and exec'd
// commands join it, and it outlives a restarted service (the charm hardcodes port 8080, and three
// units on one host could not all listen there otherwise).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  ExecReply,
  ExecRequest,
  ServiceRunner,
} from "../../../../packages/charm/test/doubles/pebble.js";
import { type InImageOptions, inImage } from "../../../../packages/rock/test/support/in-image.js";

type Bind = NonNullable<InImageOptions["binds"]>[number];

/** Pebble's own environment in the rock, which exec'd commands and services inherit. */
const PEBBLE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
/** Pebble's default: how long a service must stay up to count as started. */
const OKAY_DELAY_MS = 1000;
/** Pebble's default kill-delay between SIGTERM and SIGKILL. */
const KILL_DELAY_MS = 5000;

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output: string;
}

function goDurationMs(value: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value ?? "");
  if (!match) return 60_000;
  const n = Number(match[1]);
  return match[2] === "ms" ? n : match[2] === "s" ? n * 1000 : n * 60_000;
}

/** A process holding the pod's network namespace (loopback up) for as long as the pod lives. */
class PodNetwork {
  private readonly holder: ChildProcess;
  readonly ready: Promise<void>;

  constructor() {
    this.holder = spawn(
      "unshare",
      ["--net", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep infinity"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    this.ready = new Promise((resolve, reject) => {
      this.holder.stdout?.once("data", () => resolve());
      this.holder.once("exit", (code) => reject(new Error(`pod network holder exited with ${code}`)));
    });
  }

  /** The namespace, for `nsenter --net=`. */
  get path(): string {
    return `/proc/${this.holder.pid}/ns/net`;
  }

  close(): void {
    if (this.holder.exitCode === null) this.holder.kill("SIGKILL");
  }
}

export class RootfsWorkload implements ServiceRunner {
  private readonly running = new Map<string, Running>();
  private readonly network = new PodNetwork();

  constructor(
    readonly rootfs: string,
    private readonly binds: readonly Bind[] = [],
  ) {}

  /** uid/gid of a user name in the image's /etc/passwd (names resolve in the image, not on the host). */
  private lookup(user: string): { uid: number; gid: number } {
    const line = readFileSync(join(this.rootfs, "etc/passwd"), "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${user}:`));
    const [, , uid, gid] = line?.split(":") ?? [];
    if (uid === undefined || gid === undefined) throw new Error(`no user "${user}" in the image`);
    return { uid: Number(uid), gid: Number(gid) };
  }

  private identity(userId: unknown, groupId: unknown, user: unknown): { uid: number; gid: number } {
    if (typeof userId === "number")
      return { uid: userId, gid: typeof groupId === "number" ? groupId : userId };
    // Pebble runs as root (the container's user) unless told otherwise.
    return typeof user === "string" ? this.lookup(user) : { uid: 0, gid: 0 };
  }

  /** argv run by the host in the pod's network namespace (its mounts and users stay the host's). */
  async inPodNetwork(argv: readonly string[]): Promise<{ file: string; args: string[] }> {
    await this.network.ready;
    return { file: "nsenter", args: [`--net=${this.network.path}`, "--", ...argv] };
  }

  /** Ends the pod: its network goes with it. */
  close(): void {
    this.network.close();
  }

  /** The ExecHandler: runs the command to completion inside the image. */
  readonly exec = async (req: ExecRequest): Promise<ExecReply> => {
    const { uid, gid } = this.identity(req.userId, req.groupId, req.user);
    const inner = inImage(this.rootfs, req.command, {
      uid,
      gid,
      workingDir: req.workingDir ?? "/",
      binds: this.binds,
    });
    const command = await this.inPodNetwork([inner.file, ...inner.args]);
    return new Promise((resolve) => {
      const child = spawn(command.file, command.args, {
        env: { ...PEBBLE_ENV, ...req.environment },
        stdio: ["pipe", "pipe", "pipe"],
        timeout: goDurationMs(req.timeout),
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
      });
      child.on("error", (err) => resolve({ stdout, stderr: `${stderr}${String(err)}\n`, exitCode: 127 }));
      child.on("close", (code) => resolve({ stdout, stderr, exitCode: code ?? 137 }));
      child.stdin.end(req.stdin);
    });
  };

  async start(name: string, spec: Record<string, unknown>): Promise<string | undefined> {
    const { uid, gid } = this.identity(spec["user-id"], spec["group-id"], spec.user);
    const environment = (spec.environment ?? {}) as Record<string, string>;
    // Pebble splits the command shell-style; the charm's has no quoting.
    const argv = String(spec.command).split(/\s+/).filter(Boolean);
    const inner = inImage(this.rootfs, argv, {
      uid,
      gid,
      workingDir: typeof spec["working-dir"] === "string" ? spec["working-dir"] : "/",
      binds: this.binds,
    });
    // nsenter execs the rest: the pid stays the one signalled and entered (servicePid).
    const command = await this.inPodNetwork([inner.file, ...inner.args]);
    // Its own process group, so stop() can signal unshare and the service together.
    const child = spawn(command.file, command.args, {
      env: { ...PEBBLE_ENV, ...environment },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const running: Running = {
      child,
      output: "",
      exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
    };
    const collect = (chunk: Buffer) => {
      running.output = `${running.output}${chunk.toString()}`.slice(-20_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.running.set(name, running);
    const early = await Promise.race([
      running.exited.then((code) => ({ code })),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), OKAY_DELAY_MS)),
    ]);
    if (!early) return undefined;
    this.running.delete(name);
    return `cannot start service "${name}": exited quickly with code ${early.code}\n${running.output}`;
  }

  async stop(name: string): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    this.running.delete(name);
    const pid = running.child.pid;
    if (pid === undefined || running.child.exitCode !== null) return;
    // unshare --fork ignores SIGTERM and waits: the service (pid 1 of its namespace) gets it and drains.
    process.kill(-pid, "SIGTERM");
    const stopped = await Promise.race([
      running.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), KILL_DELAY_MS)),
    ]);
    if (!stopped) {
      process.kill(-pid, "SIGKILL");
      await running.exited;
    }
  }

  /** A pid in the pod's network namespace while the service runs, to reach it (nsenter --net=/proc/<pid>/ns/net). */
  servicePid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  serviceOutput(name: string): string {
    return this.running.get(name)?.output ?? "";
  }
}
