import { createHash } from "node:crypto";

/** A host key the charm trusted from ssh-keyscan, as an operator compares it (ssh-keygen -l). */
export interface TrustedHostKey {
  type: string;
  fingerprint: string;
}

const TYPE_NAMES: Record<string, string> = {
  "ssh-ed25519": "ED25519",
  "ssh-rsa": "RSA",
  "ecdsa-sha2-nistp256": "ECDSA",
  "ecdsa-sha2-nistp384": "ECDSA",
  "ecdsa-sha2-nistp521": "ECDSA",
};
// Ed25519 first: the key a modern OpenSSH client would pick and an operator most likely checks.
const PREFERENCE = ["ED25519", "ECDSA", "RSA"];

/** `SHA256:<unpadded base64>` of each key in known_hosts lines, ED25519 first. Pure. */
export function hostKeyFingerprints(knownHosts: string): TrustedHostKey[] {
  const keys: TrustedHostKey[] = [];
  for (const line of knownHosts.split("\n")) {
    const [, keyType, blob] = line.trim().split(/\s+/);
    if (!keyType || !blob || line.startsWith("#")) continue;
    const digest = createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64");
    keys.push({ type: TYPE_NAMES[keyType] ?? keyType, fingerprint: `SHA256:${digest.replace(/=+$/, "")}` });
  }
  const rank = (k: TrustedHostKey): number => {
    const i = PREFERENCE.indexOf(k.type);
    return i < 0 ? PREFERENCE.length : i;
  };
  return keys.sort((a, b) => rank(a) - rank(b));
}

/** The status message for a host key trusted on first use. Pure. */
export function trustMessage(host: string, port: number, keys: readonly TrustedHostKey[]): string {
  const [first] = keys;
  const named = first ? `${first.type} ${first.fingerprint}` : "no key";
  const more = keys.length > 1 ? ` +${keys.length - 1} more` : "";
  return `Trusting scanned host key of ${host}:${port} (${named}${more}); pin it with git-known-hosts`;
}
