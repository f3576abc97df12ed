import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The image is built once in globalSetup and shared by every file that needs it.
    hookTimeout: 600_000,
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
  },
});
