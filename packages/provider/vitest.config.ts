import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL server; files run in parallel, each on its own database.
    pool: "forks",
  },
});
