import { describe, expect, it } from "vitest";
import {
  ACME_SH_COMMIT,
  type AcmeShRequest,
  acmeShArgv,
  acmeShCertificate,
  acmeShDir,
  acmeShEnv,
} from "../src/acme-dns-clients.js";

const REQUEST: AcmeShRequest = {
  dir: "/cache/acme.sh",
  acmeDirectory: "https://127.0.0.1:14000/dir",
  listenerCa: "/s/ca.pem",
  home: "/s/acme-sh",
  domains: ["acmedns.example.co.test", "*.acmedns.example.co.test"],
  endpoint: "http://127.0.0.1:8080",
  username: "alice",
  password: "secret",
  subdomain: "acmedns.example.co.test",
};

describe("acme.sh invocation", () => {
  it("uses dns_acmedns against Pebble, and never a public resolver (--dnssleep)", () => {
    const argv = acmeShArgv(REQUEST);
    expect(argv[0]).toBe("/cache/acme.sh/acme.sh");
    expect(argv.join(" ")).toContain(
      "--issue --dns dns_acmedns -d acmedns.example.co.test -d *.acmedns.example.co.test",
    );
    expect(argv.join(" ")).toContain("--server https://127.0.0.1:14000/dir --ca-bundle /s/ca.pem");
    expect(argv).toContain("--dnssleep");
  });

  it("configures dns_acmedns only through its documented variables", () => {
    expect(acmeShEnv(REQUEST)).toEqual({
      PATH: process.env.PATH,
      HOME: "/s/acme-sh",
      ACMEDNS_BASE_URL: "http://127.0.0.1:8080",
      ACMEDNS_USERNAME: "alice",
      ACMEDNS_PASSWORD: "secret",
      ACMEDNS_SUBDOMAIN: "acmedns.example.co.test",
    });
  });

  it("finds the ECC certificate where acme.sh writes it", () => {
    expect(acmeShCertificate(REQUEST)).toEqual({
      cert: "/s/acme-sh/certs/acmedns.example.co.test_ecc/acmedns.example.co.test.cer",
      issuer: "/s/acme-sh/certs/acmedns.example.co.test_ecc/ca.cer",
    });
  });

  it("keeps the pinned checkout per commit, or where E2E_ACME_SH_DIR says", () => {
    expect(acmeShDir({ HOME: "/home/u" })).toBe(
      `/home/u/.cache/httprequest-lego-provider/acme.sh-${ACME_SH_COMMIT.slice(0, 12)}`,
    );
    expect(acmeShDir({ HOME: "/home/u", E2E_ACME_SH_DIR: "/src/acme.sh" })).toBe("/src/acme.sh");
  });
});
