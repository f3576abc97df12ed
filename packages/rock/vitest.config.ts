import { defineConfig } from "vitest/config";

const IMAGE_TESTS = [
  "test/image.test.ts",
  "test/run-image.test.ts",
  "test/rockcraft-build.test.ts",
  "test/reproducible.test.ts",
  "test/scannable.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: IMAGE_TESTS,
        },
      },
      {
        test: {
          name: "image",
          include: IMAGE_TESTS,
          testTimeout: 120_000,
          // The image is built once here and shared by every image test file.
          hookTimeout: 600_000,
          // One PostgreSQL server for the run (the machine's, or a private one when none answers).
          globalSetup: ["test/global-setup.ts", "test/postgres-setup.ts"],
          pool: "forks",
          // Files share the build cache and the PostgreSQL server; one at a time keeps the 2-core box calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
