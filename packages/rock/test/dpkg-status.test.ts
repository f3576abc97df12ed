import { describe, expect, it } from "vitest";
import { osReleaseDistro } from "../src/base-filesystem.js";
import { storeEntryName } from "../src/contents/npm-packages.js";
import { packageFromControl, statusParagraph } from "../src/debian/dpkg-status.js";

const LIBC = `Package: libc6
Source: glibc
Version: 2.36-9+deb12u13
Architecture: amd64
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries.
`;

describe("status.d paragraphs", () => {
  it("keep the control fields and say the package is installed, right after Package", () => {
    const text = statusParagraph(`${LIBC}\n`);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "Package: libc6",
      "Status: install ok installed",
      "Source: glibc",
    ]);
    expect(text).toContain(" Contains the standard libraries.\n");
    expect(text.endsWith("libraries.\n")).toBe(true);
  });

  it("refuse text that is not a control paragraph", () => {
    expect(() => statusParagraph("Version: 1\n")).toThrow(/Package field/);
  });

  it("give the source package, with its own version when the control file names one", () => {
    expect(packageFromControl(LIBC)).toEqual({
      name: "libc6",
      version: "2.36-9+deb12u13",
      architecture: "amd64",
      source: "glibc",
      sourceVersion: "2.36-9+deb12u13",
    });
    const binNmu = LIBC.replace("Source: glibc", "Source: glibc (2.36-9)");
    expect(packageFromControl(binNmu)).toMatchObject({ source: "glibc", sourceVersion: "2.36-9" });
    expect(packageFromControl(LIBC.replace("Source: glibc\n", ""))).toMatchObject({ source: "libc6" });
  });
});

describe("contents helpers", () => {
  it("read package names from pnpm store entries", () => {
    expect(storeEntryName("express@4.21.2")).toBe("express");
    expect(storeEntryName("@electric-sql+pglite@0.3.2")).toBe("@electric-sql/pglite");
    expect(storeEntryName("ws@8.18.3_bufferutil@4.0.9")).toBe("ws");
    expect(storeEntryName("node_modules")).toBeUndefined();
    expect(storeEntryName("lock.yaml")).toBeUndefined();
  });

  it("name the distribution from os-release", () => {
    expect(
      osReleaseDistro('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n'),
    ).toBe("debian-12");
    expect(() => osReleaseDistro("NAME=x\n")).toThrow(/base-files/);
  });
});
