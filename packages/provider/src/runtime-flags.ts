/**
 * V8 flags the service is started with wherever it runs: the image's entrypoint and Pebble
 * layer, the charm's layer, `pnpm start` and `pnpm bench` (which therefore measures what is
 * deployed). Under 64 clients Node's defaults let the young generation grow to 3 × 16 MB and
 * the old generation fill with promoted request garbage up to ~4× its live size before a full
 * GC: 130–180 MB peak for ~25 MB of live data. Small semi-spaces and a 20 % old-generation growth
 * step keep the peak near 100 MB for ~0.1 ms more CPU per request (docs/decisions/0106).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=4",
  "--heap-growing-percent=20",
  "--liftoff-only",
];

/**
 * Environment the service is started with wherever the flags above are used (glibc reads it
 * before any of our code runs). A fixed mmap threshold turns off glibc's dynamic one, which rises
 * to the size of every large block freed (up to 32 MB): once PGlite's 9 MB module buffer or a
 * 1 MB socket buffer is freed, later blocks of that size are carved from the brk heap and its
 * fragments are never returned. Measured on the embedded default: idle 128 → 116 MB, peak under
 * 64 clients 160–162 → 145–148 MB (docs/decisions/0106).
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "131072",
};
