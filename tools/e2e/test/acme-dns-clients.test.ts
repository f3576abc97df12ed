import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ACME_SH_COMMIT,
  type AcmeShRequest,
  acmeShArgv,
  acmeShCertificate,
  acmeShDir,
  acmeShEnv,
  DEHYDRATED_HOOK,
  type DehydratedRequest,
  dehydratedArgvs,
  dehydratedCertificate,
  dehydratedConfig,
  dehydratedEnv,
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

describe("dehydrated with our hook", () => {
  const request: DehydratedRequest = {
    dehydrated: "/usr/bin/dehydrated",
    hook: DEHYDRATED_HOOK,
    acmeDirectory: "https://127.0.0.1:14000/dir",
    listenerCa: "/s/ca.pem",
    baseDir: "/s/dehydrated",
    domains: ["dehydrated.example.co.test", "*.dehydrated.example.co.test"],
    endpoint: "http://127.0.0.1:8080",
    username: "alice",
    password: "it's secret",
  };

  it("answers dns-01 through the hook, one challenge at a time, trusting Pebble's listener", () => {
    const config = dehydratedConfig(request);
    expect(config).toContain("CHALLENGETYPE='dns-01'\n");
    expect(config).toContain("HOOK_CHAIN='no'\n");
    expect(config).toContain(`HOOK='${DEHYDRATED_HOOK}'\n`);
    expect(config).toContain("CURL_OPTS='--cacert /s/ca.pem'\n");
  });

  it("registers, then signs both names in one certificate", () => {
    const [register, sign] = dehydratedArgvs(request, "/s/dehydrated/config");
    expect(register).toEqual([
      "/usr/bin/dehydrated",
      "--config",
      "/s/dehydrated/config",
      "--register",
      "--accept-terms",
    ]);
    expect(sign?.slice(-4)).toEqual([
      "--domain",
      "dehydrated.example.co.test",
      "--domain",
      "*.dehydrated.example.co.test",
    ]);
  });

  it("gives the hook only the ACMEDNS_* variables an operator would export", () => {
    expect(dehydratedEnv(request)).toMatchObject({
      ACMEDNS_BASE_URL: "http://127.0.0.1:8080",
      ACMEDNS_USERNAME: "alice",
      ACMEDNS_PASSWORD: "it's secret",
    });
    expect(dehydratedCertificate(request).cert).toBe(
      "/s/dehydrated/certs/dehydrated.example.co.test/cert.pem",
    );
  });

  it("ships the hook executable", () => {
    expect(statSync(DEHYDRATED_HOOK).mode & 0o111).toBe(0o111);
  });
});
