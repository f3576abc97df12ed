import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { inspectOciArchive } from "../src/oci-archive.js";
import { writeOciArchive } from "./helpers/oci-fixture.js";

const tempFile = async (name: string) => join(await mkdtemp(join(tmpdir(), "oci-archive-")), name);

describe("inspectOciArchive", () => {
  it.each([false, true])(
    "reads tag and digests as skopeo reports them (./ prefixes: %s)",
    async (dotSlash) => {
      const file = await tempFile("x.rock");
      const fixture = await writeOciArchive(file, { tag: "1.2.3", dotSlash });
      const info = await inspectOciArchive(file);
      expect(info).toMatchObject({ tag: "1.2.3", architecture: "amd64", os: "linux", layers: 1 });
      expect(info.manifestDigest).toBe(fixture.manifestDigest);
      expect(info.configDigest).toBe(fixture.configDigest);
      // skopeo computes the same manifest digest from the same archive.
      const { stdout } = await execa("skopeo", ["inspect", `oci-archive:${file}:1.2.3`]);
      expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(info.manifestDigest);
    },
  );

  it("refuses an archive whose manifest does not match its digest", async () => {
    const file = await tempFile("bad.rock");
    await writeOciArchive(file, { corruptManifest: true });
    await expect(inspectOciArchive(file)).rejects.toThrow(/does not match its digest/);
  });

  it("says when the file is a tar but not an OCI archive", async () => {
    const file = await tempFile("plain.tar");
    await execa("tar", ["-cf", file, "-C", tmpdir(), "--files-from=/dev/null"]);
    await expect(inspectOciArchive(file)).rejects.toThrow(/no oci-layout; is it an OCI archive/);
  });
});
