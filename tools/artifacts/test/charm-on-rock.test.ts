/**
 * The charm issue's acceptance criterion, on the built artifacts: the packed .charm's `dispatch`
 * drives three units whose Pebble double runs the built rock for real (exec and services inside its
 * unpacked root filesystem, as uid 584792, namespaces + chroot). The pods are then replaced with a
 * new image highest ordinal first, leader last, as a StatefulSet rolls them; a non-leader on the
 * new image must be active and serve POST /present before the leader's pod is replaced.
 *
 * Then the application moves to an ssh remote (a real sshd) and its deploy key is rotated, the old
 * key removed from the server and its sessions ended: every unit's service must push with the new
 * key, no manual restart.
 *
 * Each pod has a network namespace of its own: the charm hardcodes port 8080, so three units on one
 * host need three loopbacks. PostgreSQL is reached over its unix socket (the relation double offers
 * a `uris` with ?host=), the test reaches a service by entering its namespace with nsenter, and the
 * ssh remote is served inside each pod's namespace by `sshd -i` (inetd mode) on the port the
 * loopback sshd fixture chose, so its known_hosts line holds there too.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeJujuState } from "../../../packages/charm/test/doubles/juju.js";
import { APP, baseState, CHARM_PATH, packedCharm, Unit } from "../../../packages/charm/test/harness.js";
import { type Sshd, startSshd } from "../../../packages/rock/test/support/sshd.js";
import { type Unpacked, unpackRock } from "../../../packages/rock/test/support/unpack.js";
import { newPod, POD_POSTGRES_DIR, POD_REMOTE_DIR, type Pod } from "./helpers/pods.js";

const ROCK_DIR = join(import.meta.dirname, "../../../packages/rock/dist");
const SERVICE = "httprequest-lego-provider";
const POSTGRES_SOCKET_DIR = "/var/run/postgresql";
const isRoot = process.getuid?.() === 0;
const PEER = { JUJU_RELATION: "secret-storage", JUJU_RELATION_ID: "secret-storage:0" };
const ZONE = `$ORIGIN example.com.
$TTL 600
@ IN SOA ns1.example.com. hostmaster.example.com. 2024010100 3600 600 86400 600
@ IN NS ns1.example.com.
`;

if (!isRoot) {
  process.stderr.write(
    "charm-on-rock.test.ts: skipped, running the rock needs root (mount/pid/net namespaces and chroot)\n",
  );
}

function psql(sql: string): void {
  execFileSync(
    "psql",
    ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
    {
      stdio: "pipe",
    },
  );
}

/** A bare repository with one zone file on main, owned by the image's user (the services push to it). */
function seedBareRepo(work: string, bare: string): void {
  const seed = join(work, "seed");
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" });
  mkdirSync(seed, { recursive: true });
  git(seed, "init", "-q", "-b", "main");
  writeFileSync(join(seed, "example.com.domain"), ZONE);
  git(seed, "add", ".");
  git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "-qm", "zone");
  git(work, "clone", "-q", "--bare", seed, bare);
  execFileSync("chown", ["-R", "584792:584792", join(bare, "..")]);
}

function stateFor(index: number, repo: string, database: string): FakeJujuState {
  return baseState({
    unit: `${APP}/${index}`,
    leader: index === 0,
    config: { "git-repo": repo },
    relations: [
      {
        id: "secret-storage:0",
        endpoint: "secret-storage",
        remoteApp: APP,
        peer: true,
        remoteUnits: {},
        localApp: {},
      },
      {
        id: "postgresql:3",
        endpoint: "postgresql",
        remoteApp: "postgresql-k8s",
        remoteUnits: { "postgresql-k8s/0": {} },
        remoteAppData: {
          endpoints: "127.0.0.1:5432",
          username: "postgres",
          password: "unused-trust-auth",
          database,
          // The socket directory is mounted into every pod: the services' own loopbacks have no PostgreSQL.
          uris: `postgresql://postgres@localhost/${database}?host=${POD_POSTGRES_DIR}`,
        },
      },
    ],
  });
}

/** What Juju does between hooks: every unit sees the peer application databag the leader wrote. */
function shareAppData(units: readonly Unit[]): void {
  const [leader] = units;
  const data = leader?.juju.relation("secret-storage")?.localApp ?? {};
  const names = units.map((u) => u.unitName);
  for (const unit of units) {
    unit.juju.update((s) => {
      const peer = s.relations.find((r) => r.endpoint === "secret-storage");
      if (!peer) return;
      peer.remoteUnits = Object.fromEntries(names.filter((n) => n !== s.unit).map((n) => [n, {}]));
      if (unit !== leader) peer.localApp = { ...data };
    });
  }
}

async function dispatch(unit: Unit, path: string, env: Record<string, string> = {}): Promise<void> {
  const run = await unit.dispatch(path, env);
  expect(run.exitCode, `${unit.unitName} ${path}: ${run.stderr}`).toBe(0);
}

/** Peer relation-changed rounds until every unit is active (or the rounds run out). */
async function settle(units: readonly Unit[]): Promise<void> {
  for (let round = 0; round < 4 && units.some((u) => u.status()?.name !== "active"); round++) {
    for (const unit of units) await dispatch(unit, "hooks/secret-storage-relation-changed", PEER);
    shareAppData(units);
  }
}

/** curl run inside the service's network namespace; returns the HTTP status and body. */
function request(
  pod: Pod,
  path: string,
  init: { user?: string; body?: string } = {},
): { status: number; body: string } {
  const pid = pod.workload.servicePid(SERVICE);
  if (pid === undefined) return { status: 0, body: "service not running" };
  const args = [`--net=/proc/${pid}/ns/net`, "curl", "-s", "-m", "20", "-w", "\n%{http_code}"];
  if (init.user) args.push("-u", init.user);
  if (init.body) args.push("-H", "content-type: application/json", "--data-binary", init.body);
  try {
    const out = execFileSync("nsenter", [...args, `http://127.0.0.1:8080${path}`], { encoding: "utf8" });
    const cut = out.lastIndexOf("\n");
    return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
  } catch {
    return { status: 0, body: "connection failed" };
  }
}

// Runs on the host's node inside a pod's network namespace: each connection gets its own `sshd -i`.
const SSHD_INETD = `
const net = require("node:net");
const { spawn } = require("node:child_process");
net.createServer((socket) => {
  const sshd = spawn("/usr/sbin/sshd", ["-i", "-f", process.env.SSHD_CONFIG], { stdio: ["pipe", "pipe", "ignore"] });
  socket.pipe(sshd.stdin).on("error", () => {});
  sshd.stdout.pipe(socket).on("error", () => {});
  sshd.on("exit", () => socket.destroy());
  socket.on("error", () => sshd.kill());
  socket.on("close", () => sshd.kill());
}).listen(Number(process.env.SSHD_PORT), "127.0.0.1", () => console.log("listening"));
`;

/** Serves the loopback sshd fixture's config on 127.0.0.1:<its port> inside the pod's network. */
async function sshdInPod(pod: Pod, sshd: Sshd, configFile: string): Promise<ChildProcess> {
  const command = await pod.workload.inPodNetwork([process.execPath, "-e", SSHD_INETD]);
  const child = spawn(command.file, command.args, {
    env: { ...process.env, SSHD_CONFIG: configFile, SSHD_PORT: String(sshd.port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`sshd forwarder exited with ${code}`)));
  });
  return child;
}

async function waitHealthy(pod: Pod, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (request(pod, "/healthz").status !== 200) {
    if (Date.now() > deadline)
      throw new Error(`${what}: no /healthz within 60 s\n${pod.workload.serviceOutput(SERVICE)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.runIf(isRoot)(
  "the packed charm on the built rock: pods replaced with a new image",
  { timeout: 420_000 },
  () => {
    const id = randomBytes(4).toString("hex");
    const database = `charm_rock_${id}`;
    let work = "";
    let unpacked: Unpacked | undefined;
    const images = { old: "", next: "" };
    let podCount = 0;
    const units: Unit[] = [];
    const pods: Pod[] = [];
    let password = "";
    let remoteBare = "";
    let mounts: { postgresSocketDir: string; remoteDir: string };
    const nextVersion = `0.0.0-next.${id}`;

    /** Every pod ever made, closed (their networks) at the end. */
    const allPods: Pod[] = [];
    const pod = (image: string): Pod => {
      const made = newPod(image, join(work, `pod-${podCount++}`), mounts);
      allPods.push(made);
      return made;
    };
    let sshd: Sshd | undefined;
    const forwarders: ChildProcess[] = [];

    /** POSTs a fresh TXT value through a unit's service; returns the value it committed. */
    function present(index: number): string {
      const target = pods[index];
      if (!target) throw new Error(`no pod ${index}`);
      const value = randomBytes(32).toString("base64url").slice(0, 43);
      const reply = request(target, "/present", {
        user: `lego:${password}`,
        body: JSON.stringify({ fqdn: "_acme-challenge.example.com.", value }),
      });
      expect(reply.status, `${APP}/${index}: ${reply.body}\n${target.workload.serviceOutput(SERVICE)}`).toBe(
        200,
      );
      return value;
    }

    function zone(): string {
      return execFileSync("git", ["--git-dir", remoteBare, "show", "main:example.com.domain"], {
        encoding: "utf8",
      });
    }

    /** A pod replaced as Kubernetes does it on `juju refresh --resource`: the new pod's hooks, then settle. */
    async function replace(index: number): Promise<void> {
      const unit = units[index];
      if (!unit) throw new Error(`no unit ${index}`);
      const next = pod(images.next);
      await unit.replacePod(next);
      pods[index] = next;
      for (const hook of ["upgrade-charm", "config-changed", "start"]) await dispatch(unit, `hooks/${hook}`);
      await dispatch(unit, "hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
      await settle(units);
    }

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "charm-on-rock-"));
      const rock = readdirSync(ROCK_DIR).find((f) => f.endsWith(".rock"));
      if (!rock) throw new Error(`no .rock in ${ROCK_DIR}: build it first (pnpm build)`);
      const tag = /_([^_]+)_[^_]+\.rock$/.exec(rock)?.[1] ?? "latest";
      unpacked = await unpackRock(join(ROCK_DIR, rock), tag);
      images.old = unpacked.rootfs;
      // The "new image": the same root with another version in the metadata the charm reports.
      images.next = join(work, "image-next");
      execFileSync("cp", ["-a", "--reflink=auto", images.old, images.next]);
      const manifest = join(images.next, "app/package.json");
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
      writeFileSync(manifest, `${JSON.stringify({ ...pkg, version: nextVersion }, null, 2)}\n`);

      const remoteDir = join(work, "remote");
      remoteBare = join(remoteDir, "zones.git");
      seedBareRepo(work, remoteBare);
      mounts = { postgresSocketDir: POSTGRES_SOCKET_DIR, remoteDir };
      psql(`CREATE DATABASE ${database}`);

      const items = await packedCharm();
      for (const index of [0, 1, 2]) {
        const first = pod(images.old);
        const unit = new Unit(
          items,
          stateFor(index, `file://${POD_REMOTE_DIR}/zones.git@main`, database),
          `${APP}/${index}`,
          first,
        );
        await unit.pebble.start();
        units.push(unit);
        pods.push(first);
      }
    }, 120_000);

    afterAll(async () => {
      for (const unit of units) await unit.close();
      for (const child of forwarders) child.kill("SIGKILL");
      for (const made of allPods) made.workload.close();
      await sshd?.stop();
      try {
        if (work) psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await unpacked?.cleanup();
        if (work) await rm(work, { recursive: true, force: true });
      }
    }, 60_000);

    it(`deploys 3 units from ${CHARM_PATH.split("/").pop()}: all active, serving the user the actions created`, async () => {
      const [leader, ...others] = units;
      if (!leader) throw new Error("no leader");
      await dispatch(leader, "hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
      await settle([leader]);
      for (const unit of others)
        await dispatch(unit, "hooks/app-pebble-ready", { JUJU_WORKLOAD_NAME: "app" });
      shareAppData(units);
      for (const unit of units) await dispatch(unit, "hooks/secret-storage-relation-joined", PEER);
      await settle(units);
      expect(units.map((u) => u.status())).toEqual(units.map(() => ({ name: "active", message: "" })));

      const created = await leader.action("create-user", { username: "lego" });
      expect(created.failed, JSON.stringify(created)).toBeUndefined();
      password = String(created.results.password ?? "");
      expect(password).not.toBe("");
      const allowed = await leader.action("allow-domains", { username: "lego", domains: "example.com" });
      expect(allowed.failed, JSON.stringify(allowed)).toBeUndefined();

      for (const [index, p] of pods.entries()) await waitHealthy(p, `${APP}/${index}`);
      const value = present(1);
      expect(zone()).toContain(`"${value}"`);
    });

    it("the non-leader replaced first is active on the new image and serves /present before the leader's pod is replaced", async () => {
      await replace(2);
      const [leader, , third] = units;
      expect(third?.status()).toEqual({ name: "active", message: "" });
      expect(third?.juju.read().applicationVersion).toBe(nextVersion);
      expect(pods[2]?.root).not.toBe(pods[0]?.root);
      await waitHealthy(pods[2] as Pod, `${APP}/2`);
      const value = present(2);
      expect(zone()).toMatch(new RegExp(`^_acme-challenge\\s+600\\s+IN\\s+TXT\\s+"${value}"`, "m"));
      // The leader still runs the old image.
      expect(leader?.juju.read().applicationVersion).not.toBe(nextVersion);
      expect(leader?.pebble.services.get(SERVICE)?.current).toBe("active");
    });

    it("every unit ends active on the new image and serving, the records in the bare repository", async () => {
      await replace(1);
      await replace(0);
      expect(units.map((u) => u.status())).toEqual(units.map(() => ({ name: "active", message: "" })));
      const values: string[] = [];
      for (const [index, p] of pods.entries()) {
        expect(units[index]?.juju.read().applicationVersion).toBe(nextVersion);
        await waitHealthy(p, `${APP}/${index}`);
        values.push(present(index));
      }
      const records = zone();
      for (const value of values) expect(records).toContain(`"${value}"`);
    });

    it("git-ssh-key rotated to a new key, the old one removed from the server: every unit pushes with the new key, no manual restart", async () => {
      sshd = await startSshd(join(work, "sshd"));
      const config = join(work, "sshd", "sshd_config");
      const sshBare = join(work, "ssh-remote", "zones.git");
      seedBareRepo(join(work, "ssh-seed"), sshBare);
      // Served as the fixture's user (root): git refuses repositories another user owns.
      execFileSync("chown", ["-R", "0:0", join(work, "ssh-remote")]);
      for (const p of pods) forwarders.push(await sshdInPod(p, sshd, config));
      const sshZone = () =>
        execFileSync("git", ["--git-dir", sshBare, "show", "main:example.com.domain"], { encoding: "utf8" });
      const configure = async (key: string) => {
        for (const unit of units) {
          unit.juju.update((st) => {
            st.config = {
              "git-repo": `git+ssh://${sshd?.user}@127.0.0.1:${sshd?.port}${sshBare}@main`,
              "git-ssh-key": key,
              "git-known-hosts": sshd?.knownHosts ?? "",
            };
          });
          await dispatch(unit, "hooks/config-changed");
          expect(unit.status(), unit.unitName).toEqual({ name: "active", message: "" });
        }
      };

      await configure(sshd.clientKey);
      for (const [index, p] of pods.entries()) {
        await waitHealthy(p, `${APP}/${index}`);
        const value = present(index);
        expect(sshZone()).toContain(`"${value}"`);
      }

      // The new key goes on the server, the old one off it: a service still holding the old key fails.
      const newKeyFile = join(work, "new_deploy_key");
      writeFileSync(newKeyFile, sshd.strangerKey, { mode: 0o600 });
      const newPublic = execFileSync("ssh-keygen", ["-y", "-f", newKeyFile], { encoding: "utf8" });
      writeFileSync(sshd.authorizedKeysFile, newPublic);
      const oldKeyLogin = () =>
        execFileSync(
          "ssh",
          [
            "-i",
            sshd?.clientKeyFile ?? "",
            "-o",
            `UserKnownHostsFile=${sshd?.knownHostsFile}`,
            "-o",
            "BatchMode=yes",
          ].concat(["-o", "IdentitiesOnly=yes", "-p", String(sshd?.port), `${sshd?.user}@127.0.0.1`, "true"]),
          { stdio: "pipe" },
        );
      expect(oldKeyLogin).toThrow(/Permission denied/);
      // And its sessions end (as when the server restarts): the services' ssh masters
      // (ControlPersist) authenticated with the old key must not carry them on.
      for (const forwarder of forwarders) {
        // ps exits 1 when it selects nothing: no session is open through that forwarder.
        const listed = spawnSync("ps", ["-o", "pid=", "--ppid", String(forwarder.pid)], { encoding: "utf8" });
        for (const pid of listed.stdout.match(/\d+/g) ?? []) {
          try {
            process.kill(Number(pid), "SIGTERM");
          } catch {
            // It ended between the listing and now.
          }
        }
      }

      const pidsBefore = pods.map((p) => p.workload.servicePid(SERVICE));
      await configure(sshd.strangerKey);
      const pidsAfter = pods.map((p) => p.workload.servicePid(SERVICE));
      for (const [index, pid] of pidsAfter.entries()) {
        expect(pid, `${APP}/${index} restarted by the charm`).not.toBe(pidsBefore[index]);
      }
      for (const [index, p] of pods.entries()) {
        await waitHealthy(p, `${APP}/${index}`);
        const value = present(index);
        expect(sshZone()).toMatch(new RegExp(`^_acme-challenge\\s+600\\s+IN\\s+TXT\\s+"${value}"`, "m"));
      }
    });
  },
);
