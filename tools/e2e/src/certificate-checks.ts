/** openssl checks of an issued certificate: its exact names, and its chain to Pebble's root. */
import { run } from "@httprequest-lego-provider/run-command";

/** Pure: DNS names from `openssl x509 -noout -ext subjectAltName` output. */
export function parseSubjectAltNames(opensslOutput: string): string[] {
  return [...opensslOutput.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1] ?? "");
}

export function sameNames(expected: readonly string[], actual: readonly string[]): boolean {
  const a = [...expected].sort();
  const b = [...actual].sort();
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

export async function checkCertificate(
  openssl: string,
  certificate: string,
  issuer: string,
  root: string,
  expectedNames: readonly string[],
): Promise<void> {
  const sans = await run([openssl, "x509", "-in", certificate, "-noout", "-ext", "subjectAltName"]);
  const names = parseSubjectAltNames(sans.stdout);
  if (!sameNames(expectedNames, names)) {
    throw new Error(
      `certificate names are [${names.join(", ")}], expected exactly [${expectedNames.join(", ")}]`,
    );
  }
  const verified = await run(
    [openssl, "verify", "-purpose", "sslserver", "-CAfile", root, "-untrusted", issuer, certificate],
    { allowFailure: true },
  );
  if (verified.code !== 0 || !verified.stdout.includes(": OK")) {
    throw new Error(
      `certificate does not chain to Pebble's root: ${(verified.stdout + verified.stderr).trim()}`,
    );
  }
}
