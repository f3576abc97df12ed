/**
 * Parses the DNS repository setting (`APP_GIT_REPO`) into what git needs. Pure, no I/O.
 *
 * Accepted forms (an optional `@<branch>` suffix after the path selects the branch):
 * - `git+ssh://user@host[:port]/path.git[@branch]`, the Django charm's `git-repo` format, where
 *   the user is also the commit author name;
 * - `ssh://[user@]host[:port]/path[@branch]`;
 * - `https://[user[:token]@]host[:port]/path[@branch]`;
 * - `file:///absolute/path[@branch]`.
 * scp-like `user@host:path` is refused because it cannot be told apart from a branch suffix.
 */

import { redactCredentials, userinfoSecrets } from "./redact-credentials.js";

export const DEFAULT_AUTHOR_NAME = "httprequest-lego-provider";

export type GitTransport = "file" | "ssh" | "https";

export interface SshEndpoint {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
}

export interface GitRemote {
  readonly transport: GitTransport;
  /** URL handed to git (`git+ssh://` rewritten to `ssh://`, branch suffix removed). */
  readonly url: string;
  /** The URL with its userinfo replaced (redactCredentials), safe for logs and error messages. */
  readonly displayUrl: string;
  /** Credentials in the URL, for redactCredentials to hide wherever git prints them. */
  readonly secrets: readonly string[];
  /** Branch to use; undefined means the remote's default branch. */
  readonly branch: string | undefined;
  readonly authorName: string;
  readonly ssh: SshEndpoint | undefined;
}

/** The repository setting cannot be used; the message names the problem and the setting. */
export class InvalidGitRemoteError extends Error {
  override readonly name = "InvalidGitRemoteError";
}

const HOST = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/i;
/** No leading "-": ssh would read the user as an option (user@host is one argv word). */
const USER = /^[A-Za-z0-9._~][A-Za-z0-9._~-]*$/;
/** Whitespace or control characters: never part of a URL we hand to git. */
function hasUnsafeCharacters(text: string): boolean {
  return [...text].some((ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0x20 || code === 0x7f || /\s/.test(ch);
  });
}

/** Branch names git would accept for a push to `refs/heads/<branch>` (git-check-ref-format). */
export function isValidBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 200 &&
    /^[A-Za-z0-9._/-]+$/.test(name) &&
    !name.startsWith("-") &&
    !name.startsWith("/") &&
    !name.endsWith("/") &&
    !name.endsWith(".") &&
    !name.endsWith(".lock") &&
    !name.includes("..") &&
    !name.includes("//") &&
    !name.split("/").some((part) => part.startsWith("."))
  );
}

function fail(message: string): never {
  throw new InvalidGitRemoteError(`APP_GIT_REPO: ${message}`);
}

export function parseGitRemote(input: string): GitRemote {
  const raw = input.trim();
  if (raw === "")
    fail("is empty; set it to the DNS records repository, e.g. git+ssh://git@host/dns.git@main");
  if (hasUnsafeCharacters(raw)) fail("contains whitespace or control characters");
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!schemeMatch) {
    fail(
      "must be a URL (git+ssh://user@host[:port]/path@branch, ssh://, https:// or file://); scp-like user@host:path is not accepted",
    );
  }
  const scheme = (schemeMatch[1] as string).toLowerCase();
  const rest = raw.slice(schemeMatch[0].length);
  const slash = rest.indexOf("/");
  if (slash < 0) fail("has no repository path after the host");
  const authority = rest.slice(0, slash);
  let path = rest.slice(slash);
  let branch: string | undefined;
  const at = path.lastIndexOf("@");
  if (at >= 0) {
    branch = path.slice(at + 1);
    path = path.slice(0, at);
    if (!isValidBranchName(branch)) fail(`branch "${branch}" after the last "@" is not a valid branch name`);
  }
  if (path === "/" || path === "") fail("has no repository path after the host");

  if (scheme === "file") {
    if (authority !== "" && authority !== "localhost")
      fail("file:// URLs must be local (file:///absolute/path)");
    const url = `file://${path}`;
    return {
      transport: "file",
      url,
      displayUrl: url,
      secrets: [],
      branch,
      authorName: DEFAULT_AUTHOR_NAME,
      ssh: undefined,
    };
  }

  const { userinfo, hostport } = splitAuthority(authority);
  const { host, port } = splitHostPort(hostport);
  if (scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git") {
    if (userinfo?.includes(":")) fail("ssh URLs must not carry a password; use APP_GIT_SSH_KEY");
    if (userinfo !== undefined && !USER.test(userinfo))
      // Not echoed: whatever was put there may be a secret.
      fail('the ssh user may only hold letters, digits and "._~-", and must not start with "-"');
    const url = `ssh://${userinfo === undefined ? "" : `${userinfo}@`}${hostport}${path}`;
    return {
      transport: "ssh",
      url,
      displayUrl: redactCredentials(url),
      // An ssh user is a login name, not a secret; the key is never in the URL.
      secrets: [],
      branch,
      authorName: userinfo ?? DEFAULT_AUTHOR_NAME,
      ssh: { user: userinfo, host, port },
    };
  }
  if (scheme === "https") {
    const url = `https://${authority}${path}`;
    return {
      transport: "https",
      url,
      displayUrl: redactCredentials(url),
      secrets: userinfoSecrets(url),
      branch,
      authorName: DEFAULT_AUTHOR_NAME,
      ssh: undefined,
    };
  }
  if (scheme === "http") fail("plain http:// is not accepted; use https://, ssh or file://");
  return fail(`scheme "${scheme}://" is not supported; use git+ssh://, ssh://, https:// or file://`);
}

function splitAuthority(authority: string): { userinfo: string | undefined; hostport: string } {
  const at = authority.lastIndexOf("@");
  if (at < 0) return { userinfo: undefined, hostport: authority };
  const userinfo = authority.slice(0, at);
  if (userinfo === "") fail("has an empty user before @");
  return { userinfo, hostport: authority.slice(at + 1) };
}

function splitHostPort(hostport: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d*))?$/.exec(hostport);
  if (!m) fail(`host "${hostport}" is not valid`);
  const host = m[1] as string;
  if (!HOST.test(host)) fail(`host "${host}" is not a valid host name or address`);
  if (m[2] === undefined || m[2] === "") return { host, port: undefined };
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port ${m[2]} is not between 1 and 65535`);
  return { host, port };
}
