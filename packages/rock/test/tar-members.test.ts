import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "@httprequest-lego-provider/run-command";
import { describe, expect, it } from "vitest";
import { normalizeName, readTarMembers, TarFormatError } from "../src/tar-members.js";

async function tarOf(files: Record<string, string>, format: "posix" | "gnu" | "ustar"): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "tar-members-"));
  const root = join(work, "root");
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(root, name, ".."), { recursive: true });
    await writeFile(join(root, name), content);
  }
  const file = join(work, "x.tar");
  await run(["tar", `--format=${format}`, "-C", root, "-cf", file, "."]);
  return file;
}

describe("readTarMembers", () => {
  const long = `blobs/sha256/${"a".repeat(64)}/${"b".repeat(64)}`;

  it.each(["posix", "gnu"] as const)(
    "finds members by name, including names over 100 bytes (%s format)",
    async (format) => {
      const file = await tarOf({ "index.json": "{}", [long]: "long", "other.txt": "x".repeat(5000) }, format);
      const found = await readTarMembers(file, new Set(["index.json", long, "missing"]));
      expect(found.get("index.json")?.toString()).toBe("{}");
      expect(found.get(long)?.toString()).toBe("long");
      expect(found.has("missing")).toBe(false);
    },
  );

  it("skips member data correctly after a member whose size is not a multiple of 512", async () => {
    const file = await tarOf({ "a.txt": "x".repeat(513), "b.txt": "after" }, "ustar");
    expect((await readTarMembers(file, new Set(["b.txt"]))).get("b.txt")?.toString()).toBe("after");
  });

  it("refuses a member larger than the limit instead of loading it", async () => {
    const file = await tarOf({ "big.bin": "x".repeat(4096) }, "posix");
    await expect(readTarMembers(file, new Set(["big.bin"]), 1024)).rejects.toThrow(/larger than 1024 bytes/);
  });

  it("reports a file that is not a tar", async () => {
    const work = await mkdtemp(join(tmpdir(), "tar-members-"));
    const file = join(work, "junk.tar");
    await writeFile(file, Buffer.alloc(1024, 7));
    await expect(readTarMembers(file, new Set(["index.json"]))).rejects.toBeInstanceOf(TarFormatError);
  });

  it.each([
    ["./index.json", "index.json"],
    ["index.json", "index.json"],
    ["./blobs/sha256/", "blobs/sha256"],
  ])("normalises %s to %s", (raw, name) => {
    expect(normalizeName(raw)).toBe(name);
  });
});
