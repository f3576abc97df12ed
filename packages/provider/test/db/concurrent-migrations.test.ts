import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.js";
import { MIGRATIONS, migrate } from "../../src/db/migrations.js";
import { createPostgresDatabase } from "../helpers/databases.js";

/** Units of a scaled application start together on a fresh database, and each migrates itself. */
describe("migrations from several processes at once on a fresh PostgreSQL database", () => {
  let dbs: Database[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    dbs = await Promise.all(
      Array.from({ length: 5 }, () => openDatabase({ url: pg.url, dataDir: "/nonexistent", role: "client" })),
    );
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.close()));
    await drop?.();
  });

  it("apply every migration exactly once and leave knex's one lock row free", async () => {
    const applied = await Promise.all(dbs.map((d) => migrate(d.knex, undefined, { exclusive: true })));
    expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const knex = dbs[0]?.knex;
    if (!knex) throw new Error("no database");
    expect(await knex("hlp_migrations_lock").select("is_locked")).toEqual([{ is_locked: 0 }]);
    expect(await migrate(knex, undefined, { exclusive: true })).toEqual([]);
  });
});
