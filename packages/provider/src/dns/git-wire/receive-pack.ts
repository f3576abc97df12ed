/**
 * A push spoken directly to the remote's `git receive-pack` (gitprotocol-pack, protocol v0 with
 * report-status): one process (or one ssh session over the shared connection) instead of
 * `git push`, `pack-objects` and a shell. The remote still unpacks, checks connectivity, locks
 * the ref against its expected old value and runs its hooks, so nothing about what lands changes;
 * what we gain is the client side's processes, and a per-ref answer we read ourselves.
 */
import { spawn } from "node:child_process";
import { encodePktLine, FLUSH_PKT, PktLineDecoder, pktText } from "./pkt-line.js";

export const ZERO_ID = "0000000000000000000000000000000000000000";

export interface Advertisement {
  /** Ref name to object id, as the remote listed them. */
  readonly refs: ReadonlyMap<string, string>;
  readonly capabilities: ReadonlySet<string>;
}

export class ReceivePackProtocolError extends Error {
  override readonly name = "ReceivePackProtocolError";
}

/** Reads the ref advertisement (the packets before the first flush). Pure. */
export function parseAdvertisement(lines: readonly Buffer[]): Advertisement {
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  for (const [index, payload] of lines.entries()) {
    let text = pktText(payload);
    // A shallow remote lists its shallow boundary commits; they do not concern a push on top.
    if (/^shallow [0-9a-f]{40,64}$/.test(text)) continue;
    if (index === 0) {
      const nul = text.indexOf("\0");
      if (nul >= 0) {
        for (const cap of text.slice(nul + 1).split(" ")) if (cap !== "") capabilities.add(cap);
        text = text.slice(0, nul);
      }
    }
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (\S+)$/.exec(text);
    if (!m) throw new ReceivePackProtocolError(`unexpected ref advertisement line "${text.slice(0, 120)}"`);
    const [, id, name] = m as unknown as [string, string, string];
    // An empty repository advertises only its capabilities under this pseudo-ref.
    if (name === "capabilities^{}" || name === ".have") continue;
    refs.set(name, id);
  }
  return { refs, capabilities };
}

export type RefReport = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface StatusReport {
  /** `ok`, or why the remote could not unpack what we sent. */
  readonly unpack: string;
  readonly refs: ReadonlyMap<string, RefReport>;
}

/** Reads report-status packets (`unpack ok`, `ok <ref>`, `ng <ref> <reason>`). Pure. */
export function parseStatusReport(lines: readonly string[]): StatusReport {
  const [first, ...rest] = lines;
  const unpack = /^unpack (.+)$/.exec(first ?? "");
  if (!unpack)
    throw new ReceivePackProtocolError(`report-status did not start with "unpack": "${first ?? ""}"`);
  const refs = new Map<string, RefReport>();
  for (const line of rest) {
    const ok = /^ok (\S+)$/.exec(line);
    if (ok) {
      refs.set(ok[1] as string, { ok: true });
      continue;
    }
    const ng = /^ng (\S+) (.*)$/.exec(line);
    if (ng) {
      refs.set(ng[1] as string, { ok: false, reason: ng[2] as string });
      continue;
    }
    throw new ReceivePackProtocolError(`unexpected report-status line "${line.slice(0, 120)}"`);
  }
  return { unpack: unpack[1] as string, refs };
}

export interface ReceivePackCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/** git's sq_quote: single quotes, with ' and ! taken out of the quoting. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''").replace(/!/g, "'\\!'")}'`;
}

function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

/**
 * How git itself would reach receive-pack for a URL: directly for `file://`, and through
 * `GIT_SSH_COMMAND` (run by the shell, as git does) for `ssh://`. Pure.
 *
 * A user, host or path beginning with "-" would be read as an option; the remote setting's parser
 * refuses such users and hosts, this refuses them again, and "--" ends the options before the
 * repository or destination all the same.
 */
export function receivePackCommand(url: string, sshCommand: string | undefined): ReceivePackCommand {
  const parsed = new URL(url);
  if (parsed.protocol === "file:") {
    return { file: "git", args: ["receive-pack", "--", decodedPath(parsed)] };
  }
  if (parsed.protocol === "ssh:") {
    let path = decodedPath(parsed);
    if (path.startsWith("/~")) path = path.slice(1);
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    const user = decodeURIComponent(parsed.username);
    if (host.startsWith("-") || user.startsWith("-"))
      throw new ReceivePackProtocolError(
        `refusing an ssh user or host that begins with "-" in ${parsed.host}`,
      );
    const target = user === "" ? host : `${user}@${host}`;
    const port = parsed.port === "" ? [] : ["-p", parsed.port];
    const remote = `git-receive-pack ${shellQuote(path)}`;
    return {
      file: "/bin/sh",
      // exec: ssh replaces the shell, so a timeout's kill reaches ssh itself.
      args: ["-c", `exec ${sshCommand ?? "ssh"} "$@"`, "ssh", ...port, "--", target, remote],
    };
  }
  throw new ReceivePackProtocolError(`no direct receive-pack for ${parsed.protocol} URLs`);
}

export interface ReceivePackPush {
  readonly command: ReceivePackCommand;
  readonly env: Readonly<Record<string, string>>;
  /** Full ref name, e.g. refs/heads/main. */
  readonly ref: string;
  /** The commit our new commit builds on; the push is refused unless the remote is still there. */
  readonly oldId: string;
  readonly newId: string;
  /** Built lazily: not needed when the remote has moved on. */
  readonly pack: () => Buffer;
  readonly timeoutMs: number;
}

export type ReceivePackResult =
  /** The remote took the pack and moved the ref. */
  | { readonly status: "updated" }
  /** The ref is not at oldId (someone pushed first); nothing was sent. */
  | { readonly status: "stale"; readonly remoteId: string | undefined }
  /** The remote refused the update; `reason` is its own words, `output` what its hooks said. */
  | { readonly status: "refused"; readonly reason: string; readonly output: string }
  /** The push did not complete or its outcome is unknown; `output` is what the process said. */
  | { readonly status: "failed"; readonly output: string };

const AGENT = "agent=httprequest-lego-provider";
const MAX_STDERR_BYTES = 64 * 1024;

export function pushWithReceivePack(push: ReceivePackPush): Promise<ReceivePackResult> {
  return new Promise((resolve) => {
    const child = spawn(push.command.file, [...push.command.args], {
      env: { ...push.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const decoder = new PktLineDecoder();
    const stderr: Buffer[] = [];
    const advertised: Buffer[] = [];
    const reported: string[] = [];
    let phase: "advertisement" | "report" | "done" = "advertisement";
    let decided: ReceivePackResult | undefined;
    let protocolError: string | undefined;
    let finished = false;

    const finish = (result: ReceivePackResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(result);
    };
    const failed = (why: string): ReceivePackResult => ({
      status: "failed",
      output: `${Buffer.concat(stderr).toString("utf8")}\n${why}`.trim(),
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(failed(`error: push timed out after ${push.timeoutMs} ms`));
    }, push.timeoutMs);

    // A remote that exits early closes the pipe under our writes; the exit status tells the rest.
    child.stdin.on("error", () => undefined);
    let stderrBytes = 0;
    child.stderr.on("data", (chunk: Buffer) => {
      // Keep what explains a failure (git's and the hooks' last words), not a chatty hook's megabytes.
      stderr.push(chunk);
      stderrBytes += chunk.length;
      while (stderrBytes > MAX_STDERR_BYTES && stderr.length > 1)
        stderrBytes -= (stderr.shift() as Buffer).length;
    });

    // Ends our side with a flush (no update): the remote then exits without changing anything.
    const sendNothing = (): void => {
      child.stdin.end(FLUSH_PKT);
      phase = "done";
    };
    const onAdvertisement = (): void => {
      let ad: Advertisement;
      try {
        ad = parseAdvertisement(advertised);
      } catch (err) {
        protocolError = (err as Error).message;
        sendNothing();
        return;
      }
      const remoteId = ad.refs.get(push.ref);
      if ((remoteId ?? ZERO_ID) !== push.oldId) {
        decided = { status: "stale", remoteId };
        sendNothing();
        return;
      }
      if (!ad.capabilities.has("report-status")) {
        protocolError = "the remote's receive-pack cannot report the push status";
        sendNothing();
        return;
      }
      const format = [...ad.capabilities].find((c) => c.startsWith("object-format="));
      if (format !== undefined && format !== "object-format=sha1") {
        protocolError = `the remote repository uses ${format}`;
        sendNothing();
        return;
      }
      const update = `${push.oldId} ${push.newId} ${push.ref}\0report-status ${AGENT}\n`;
      child.stdin.end(Buffer.concat([encodePktLine(update), FLUSH_PKT, push.pack()]));
      phase = "report";
    };

    child.stdout.on("data", (chunk: Buffer) => {
      if (phase === "done") return;
      decoder.push(chunk);
      let packets: ReturnType<PktLineDecoder["take"]>;
      try {
        packets = decoder.take();
      } catch (err) {
        protocolError = (err as Error).message;
        phase = "done";
        child.stdin.end();
        return;
      }
      for (const pkt of packets) {
        if (phase === "advertisement") {
          if (pkt.kind === "flush") onAdvertisement();
          else advertised.push(pkt.payload);
        } else if (phase === "report") {
          if (pkt.kind === "flush") {
            try {
              const report = parseStatusReport(reported);
              const ref = report.refs.get(push.ref);
              if (report.unpack !== "ok") decided = failed(`error: remote unpack failed: ${report.unpack}`);
              else if (ref === undefined) decided = failed("error: the remote did not report on our branch");
              else if (ref.ok) decided = { status: "updated" };
              else decided = { status: "refused", reason: ref.reason, output: "" };
            } catch (err) {
              protocolError = (err as Error).message;
            }
            phase = "done";
          } else reported.push(pktText(pkt.payload));
        }
      }
    });

    child.on("error", (err) => finish(failed(`error: cannot run ${push.command.file}: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (decided?.status === "refused") {
        decided = { ...decided, output: Buffer.concat(stderr).toString("utf8") };
      }
      if (decided !== undefined) {
        // A remote that reported "ok" has moved the ref, whatever the process did afterwards.
        finish(decided);
        return;
      }
      const why =
        protocolError !== undefined
          ? `error: ${protocolError}`
          : `error: receive-pack ended (${signal ?? `exit ${code}`}) before reporting the push status`;
      finish(failed(why));
    });
  });
}
