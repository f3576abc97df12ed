import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotRegularFileError, readRegularFile, writeRegularFile } from "../../src/dns/regular-file.js";
import { makeTempDir } from "./git-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir("regular-file-");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readRegularFile / writeRegularFile", () => {
  it("read and replace a regular file", async () => {
    const path = join(dir, "a.domain");
    await writeFile(path, "old text that is longer\n");
    await writeRegularFile(path, "new\n", "latin1");
    expect(await readRegularFile(path, "latin1")).toBe("new\n");
  });

  it("never follow a symbolic link, and leave its target untouched", async () => {
    const target = join(dir, "outside.txt");
    await writeFile(target, "secret\n");
    const link = join(dir, "evil.domain");
    await symlink(target, link);
    await expect(readRegularFile(link, "latin1")).rejects.toThrow(NotRegularFileError);
    await expect(writeRegularFile(link, "pwned\n", "latin1")).rejects.toThrow(/symbolic link/);
    expect(await readFile(target, "utf8")).toBe("secret\n");
  });

  it("refuse directories and do not create missing files", async () => {
    await mkdir(join(dir, "d.domain"));
    await expect(readRegularFile(join(dir, "d.domain"), "latin1")).rejects.toThrow(/not a regular file/);
    await expect(writeRegularFile(join(dir, "d.domain"), "x", "latin1")).rejects.toThrow();
    await expect(writeRegularFile(join(dir, "missing.domain"), "x", "latin1")).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});
