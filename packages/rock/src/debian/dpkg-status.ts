/**
 * The record of installed packages that image scanners read. Nothing runs dpkg in the image, so the
 * builder writes what distroless images carry: one file per package under /var/lib/dpkg/status.d/,
 * holding the package's control paragraph with a Status line. Trivy and Grype (syft) read Package,
 * Version, Architecture and Source from it (decision 0321).
 */
import { parseStanzas } from "./control.js";

export const DPKG_STATUS_DIR = "var/lib/dpkg/status.d";

const INSTALLED = "Status: install ok installed";

/** The status.d file for one package, from its control file (`dpkg-deb -f <deb>`). */
export function statusParagraph(control: string): string {
  const lines = control.replace(/\n+$/, "").split("\n");
  if (!lines[0]?.startsWith("Package:")) {
    throw new Error(`control data does not start with a Package field: ${JSON.stringify(lines[0] ?? "")}`);
  }
  // dpkg's own status file puts Status right after Package; scanners accept it anywhere.
  const rest = lines.slice(1).filter((line) => !line.startsWith("Status:"));
  return `${[lines[0], INSTALLED, ...rest].join("\n")}\n`;
}

export interface DebianPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** Source package name, and its version when it differs from the binary's (`Source: x (1.2-3)`). */
  readonly source: string;
  readonly sourceVersion: string;
}

/** What a scanner learns from one status.d file. */
export function packageFromControl(control: string): DebianPackage {
  const [stanza] = parseStanzas(control);
  const name = stanza?.Package;
  const version = stanza?.Version;
  if (!stanza || !name || !version) throw new Error("control data without Package and Version");
  const source = /^(\S+)(?:\s+\((.+)\))?$/.exec(stanza.Source ?? "");
  return {
    name,
    version,
    architecture: stanza.Architecture ?? "",
    source: source?.[1] ?? name,
    sourceVersion: source?.[2] ?? version,
  };
}
