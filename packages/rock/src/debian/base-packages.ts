/**
 * What the base root filesystem is made of. The image runs one Node service that shells out to git
 * (over ssh or https), so the base is those programs and the shared libraries they load. Nothing is
 * installed with dpkg: package contents are unpacked and maintainer scripts never run, so packages that
 * only serve installation are dropped (decision 0201).
 */

/** Packages the image needs, and why. */
export const BASE_ROOTS: ReadonlyMap<string, string> = new Map([
  ["git", "the zone repository is cloned, committed and pushed with git"],
  ["openssh-client", "git+ssh:// remotes"],
  ["ca-certificates", "https:// remotes (git links libcurl-gnutls, which reads the system CA bundle)"],
  ["libstdc++6", "the Node runtime links libstdc++ and libgcc_s"],
  ["dash", "/bin/sh: git runs GIT_SSH_COMMAND and hooks through it; the CLI wrapper is a sh script"],
  ["base-passwd", "the canonical /etc/passwd and /etc/group the run user is appended to"],
  ["base-files", "/etc/os-release and /etc/debian_version: how image scanners tell which Debian this is"],
]);

/** Dependencies left out, and why. Each is only needed to install packages or by git commands we never run. */
export const BASE_DROPS: ReadonlyMap<string, string> = new Map([
  ["perl", "git needs perl only for send-email, svn, cvs and instaweb"],
  ["perl-base", "only maintainer scripts and debconf use it"],
  ["liberror-perl", "perl module for the git commands above"],
  ["git-man", "manual pages"],
  ["adduser", "openssh-client's postinst only; the run user is written directly"],
  ["passwd", "openssh-client's postinst only"],
  ["debconf", "ca-certificates' postinst only"],
  ["debconf-2.0", "virtual package for debconf"],
  ["openssl", "update-ca-certificates only; the CA bundle is generated at build time"],
  ["dpkg", "package manager; nothing is installed at run time"],
  ["debianutils", "dash's postinst only (add-shell)"],
  ["awk", "base-files' maintainer scripts only (a virtual package: mawk provides it)"],
  ["libsasl2-modules-db", "SASL sasldb plugin (pulls in Berkeley DB); LDAP URLs are never fetched"],
]);

/**
 * Paths removed from the unpacked packages (prefix match on the path relative to /). Documentation and
 * translations are not read by a service; copyright files are kept for licence compliance.
 */
export const BASE_PRUNE_PREFIXES: readonly string[] = [
  "usr/share/doc/",
  "usr/share/man/",
  "usr/share/info/",
  "usr/share/locale/",
  "usr/share/lintian/",
  "usr/share/bug/",
  "usr/share/doc-base/",
  "usr/share/bash-completion/",
  "usr/share/gitweb/",
  "usr/share/perl5/",
  "usr/share/git-core/contrib/",
  // glibc's iconv modules: UTF-8 conversions are built in, and Node brings ICU.
  "usr/lib/x86_64-linux-gnu/gconv/",
  // git programs for serving repositories or mail, which a client of one remote never runs.
  "usr/bin/git-shell",
  "usr/bin/scalar",
  "usr/lib/git-core/git-daemon",
  "usr/lib/git-core/git-http-backend",
  "usr/lib/git-core/git-http-fetch",
  "usr/lib/git-core/git-http-push",
  "usr/lib/git-core/git-imap-send",
  "usr/lib/git-core/git-shell",
  "usr/lib/git-core/scalar",
  "usr/lib/git-core/git-instaweb",
  "usr/lib/git-core/git-cvsserver",
];

/** True when a path (relative, no leading slash) is dropped from the base. */
export function isPrunedBasePath(path: string): boolean {
  if (/^usr\/share\/doc\/[^/]+\/copyright$/.test(path)) return false;
  if (/^usr\/share\/doc\/[^/]+\/?$/.test(path) || path === "usr/share/doc") return false;
  return BASE_PRUNE_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, "") || path.startsWith(prefix));
}
