import { describe, expect, it } from "vitest";
import { acmeProxyBody, acmeProxySucceeded } from "../src/acme-sh.js";
import { parseSubjectAltNames, sameNames } from "../src/certificate-checks.js";
import { deployedCommit } from "../src/deployed-commit.js";
import { certificatePath, type LegoRequest, legoArgv, legoEnv } from "../src/lego.js";
import { refusalExcerpt } from "../src/scenarios.js";

const REQUEST: LegoRequest = {
  lego: "/usr/bin/lego",
  acmeDirectory: "https://127.0.0.1:14000/dir",
  listenerCa: "/s/ca.pem",
  dnsPort: 15353,
  endpoint: "http://127.0.0.1:8080",
  username: "alice",
  password: "secret",
  raw: false,
  domains: ["*.example.test", "example.test"],
  path: "/s/lego/x",
};

describe("lego invocation", () => {
  it("keeps every DNS query on the local server", () => {
    const argv = legoArgv(REQUEST);
    expect(argv).toContain("--dns.disable-cp");
    expect(argv.join(" ")).toContain("--dns httpreq --dns.resolvers 127.0.0.1:15353");
    expect(argv.at(-1)).toBe("run");
    expect(argv.filter((a) => a === "--domains")).toHaveLength(2);
  });

  it("sets RAW mode only when asked, and nothing from the caller's environment", () => {
    process.env.HTTPREQ_MODE = "RAW";
    try {
      expect(legoEnv(REQUEST, "/h").HTTPREQ_MODE).toBeUndefined();
    } finally {
      delete process.env.HTTPREQ_MODE;
    }
    expect(legoEnv({ ...REQUEST, raw: true }, "/h")).toMatchObject({
      HTTPREQ_MODE: "RAW",
      HTTPREQ_ENDPOINT: "http://127.0.0.1:8080",
      HTTPREQ_USERNAME: "alice",
      LEGO_CA_CERTIFICATES: "/s/ca.pem",
    });
  });

  it("finds the certificate under the first domain's name, with * spelt _", () => {
    expect(certificatePath(REQUEST)).toBe("/s/lego/x/certificates/_.example.test.crt");
  });
});

describe("certificate names", () => {
  it("reads the DNS names of openssl's subjectAltName output", () => {
    const out = "X509v3 Subject Alternative Name: \n    DNS:example.test, DNS:*.example.test\n";
    expect(parseSubjectAltNames(out)).toEqual(["example.test", "*.example.test"]);
  });

  it("wants exactly the requested names, in any order", () => {
    expect(sameNames(["a.test", "*.a.test"], ["*.a.test", "a.test"])).toBe(true);
    expect(sameNames(["a.test"], ["a.test", "b.test"])).toBe(false);
    expect(sameNames(["a.test", "a.test"], ["a.test", "b.test"])).toBe(false);
  });
});

describe("acme.sh dns_acmeproxy semantics", () => {
  it("sends the hook's exact body", () => {
    expect(acmeProxyBody("_acme-challenge.www.example.test", "v4lue")).toBe(
      '{"fqdn": "_acme-challenge.www.example.test.", "value": "v4lue"}',
    );
  });

  it("succeeds only when the body holds the quoted value", () => {
    expect(acmeProxySucceeded('{"fqdn":"_acme-challenge.x.test","value":"abc"}', "abc")).toBe(true);
    expect(acmeProxySucceeded("", "abc")).toBe(false);
    expect(acmeProxySucceeded("The user bob may not manage abc", "abc")).toBe(false);
  });
});

describe("post-receive input", () => {
  const OLD = "1".repeat(40);
  const NEW = "2".repeat(40);
  const ZERO = "0".repeat(40);

  it("deploys the new tip of the branch", () => {
    expect(deployedCommit(`${OLD} ${NEW} refs/heads/main\n`, "main")).toBe(NEW);
  });

  it("ignores other refs and branch deletions", () => {
    expect(deployedCommit(`${OLD} ${NEW} refs/heads/other\n`, "main")).toBeUndefined();
    expect(deployedCommit(`${OLD} ${ZERO} refs/heads/main\n`, "main")).toBeUndefined();
  });
});

describe("refusalExcerpt", () => {
  it("quotes the provider's message from lego's error line", () => {
    const line =
      'acme: error presenting token: httpreq: 403: request failed: {"error":"forbidden","message":"The user bob does not have permission to manage _acme-challenge.example.test"}';
    expect(refusalExcerpt(line)).toBe(
      '403 "The user bob does not have permission to manage _acme-challenge.example.test"',
    );
    expect(refusalExcerpt("httpreq: 403: request failed: forbidden")).toBe("403: request failed: forbidden");
  });
});
