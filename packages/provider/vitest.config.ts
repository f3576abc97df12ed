import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL server; files run in parallel, each on its own database.
    pool: "forks",
    // Picks or starts that server once; workers inherit its URL in TEST_PG_ADMIN_URL.
    globalSetup: ["test/postgres-setup.ts"],
  },
});
