import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostKeyFingerprints, trustMessage } from "../src/host-key.js";
import { proxySources } from "../src/relations/ingress.js";

/** Fresh host keys from ssh-keygen as known_hosts lines, and what ssh-keygen -l says of them. */
function generated(): { lines: string; fingerprints: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "hlp-hostkey-"));
  try {
    const lines = ["ecdsa", "ed25519"].map((type) => {
      execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", join(dir, type)]);
      const [keyType, blob] = readFileSync(join(dir, `${type}.pub`), "utf8").split(" ");
      return `h ${keyType} ${blob}`;
    });
    writeFileSync(join(dir, "known_hosts"), `${lines.join("\n")}\n`);
    const fingerprints = execFileSync("ssh-keygen", ["-l", "-f", join(dir, "known_hosts")])
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[1] ?? "");
    return { lines: `${lines.join("\n")}\n`, fingerprints };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("hostKeyFingerprints", () => {
  const { lines, fingerprints } = generated();

  it("matches ssh-keygen -l, Ed25519 first, comments skipped", () => {
    const keys = hostKeyFingerprints(`# ssh-keyscan h:22\n${lines}`);
    expect(keys.map((k) => k.type)).toEqual(["ED25519", "ECDSA"]);
    expect(keys.map((k) => k.fingerprint).sort()).toEqual([...fingerprints].sort());
  });

  it("names the first key and counts the others", () => {
    const keys = hostKeyFingerprints(lines);
    expect(trustMessage("git.example.test", 2222, keys)).toBe(
      `Trusting scanned host key of git.example.test:2222 (ED25519 ${keys[0]?.fingerprint} +1 more); pin it with git-known-hosts`,
    );
  });
});

describe("proxySources (ingress units' addresses)", () => {
  it.each([
    [
      { "egress-subnets": "10.1.0.7/32, 10.2.0.0/24", "ingress-address": "10.9.9.9" },
      ["10.1.0.7/32", "10.2.0.0/24"],
    ],
    [{ "ingress-address": "10.1.1.9" }, ["10.1.1.9/32"]],
    [{ "ingress-address": "fd00::5" }, ["fd00::5/128"]],
    [{ "ingress-address": "traefik-0.traefik-endpoints" }, []],
    [{}, []],
  ])("%j -> %j", (data, expected) => {
    expect(proxySources(data)).toEqual(expected);
  });
});
