/**
 * What the image is made of, as data: the Debian packages of the base (as their status.d files say),
 * the Node runtime and the app's npm packages. Written next to the .rock as
 * `<rock file>.contents.json`; tools/artifacts turns it into the image's CycloneDX SBOM (decision 0321).
 */
import type { DebianPackage } from "../debian/dpkg-status.js";
import type { NpmPackage } from "./npm-packages.js";

export interface ImageContents {
  readonly contentsVersion: 1;
  readonly image: { readonly name: string; readonly version: string; readonly created: string };
  readonly architecture: string;
  /** `debian-12`: the release whose packages the base is unpacked from (its /etc/os-release). */
  readonly distro: string;
  readonly debian: readonly DebianPackage[];
  readonly node: { readonly version: string; readonly npmPackage: string };
  readonly app: { readonly name: string; readonly version: string; readonly npm: readonly NpmPackage[] };
}

export const contentsFileName = (rockFile: string): string => `${rockFile}.contents.json`;

export function serializeContents(contents: ImageContents): string {
  return `${JSON.stringify(contents, null, 2)}\n`;
}
