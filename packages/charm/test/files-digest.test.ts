import { describe, expect, it } from "vitest";
import { FILES_DIGEST_VARIABLE, filesDigest, withFilesDigest } from "../src/files-digest.js";

const KEY = "/var/lib/httprequest-lego-provider/charm-ssh/git_key";
const HOSTS = "/var/lib/httprequest-lego-provider/charm-ssh/known_hosts";
const BASE = { APP_GIT_REPO: "git+ssh://git@git.example.test/dns.git", APP_GIT_SSH_KEY_FILE: KEY };

describe("the digest of the files the service reads once", () => {
  const before = filesDigest({ [KEY]: "key one\n", [HOSTS]: "host key one\n" });

  it.each([
    ["the deploy key rotated", { [KEY]: "key two\n", [HOSTS]: "host key one\n" }, false],
    ["the host key rotated", { [KEY]: "key one\n", [HOSTS]: "host key two\n" }, false],
    ["content moved between files", { [KEY]: "key one\nhost key one\n", [HOSTS]: "" }, false],
    ["nothing changed, listed in another order", { [HOSTS]: "host key one\n", [KEY]: "key one\n" }, true],
  ])("%s: same digest = %s (a different one restarts the service)", (_, files, same) => {
    expect(filesDigest(files) === before).toBe(same);
  });

  it("is a hex sha256 that does not contain the key", () => {
    expect(before).toMatch(/^[0-9a-f]{64}$/);
  });

  it("goes into the service's environment only when the service reads files", () => {
    expect(withFilesDigest(BASE, {})).toEqual(BASE);
    expect(withFilesDigest(BASE, { [KEY]: "key one\n", [HOSTS]: "host key one\n" })).toEqual({
      ...BASE,
      [FILES_DIGEST_VARIABLE]: before,
    });
  });
});
