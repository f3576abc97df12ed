import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { embeddedSocketDir } from "../../src/db/embedded-socket-dir.js";

describe("embeddedSocketDir", () => {
  it("is pglite-run in the data dir while the socket path stays short", () => {
    expect(embeddedSocketDir("/var/lib/app")).toBe("/var/lib/app/pglite-run");
  });

  it("is a stable short directory under the temporary directory for a long data dir", () => {
    const long = `/srv/${"d".repeat(90)}`;
    const dir = embeddedSocketDir(long);
    expect(dir).toMatch(new RegExp(`^${join(tmpdir(), "hlp-")}[0-9a-f]{16}$`));
    expect(embeddedSocketDir(long)).toBe(dir);
    expect(embeddedSocketDir(`${long}x`)).not.toBe(dir);
    expect(join(dir, ".s.PGSQL.5432").length).toBeLessThan(100);
  });
});
