/**
 * V8 flags the service is started with wherever it runs: the image's entrypoint and Pebble
 * layer, the charm's layer, `pnpm start` and `pnpm bench` (which therefore measures what is
 * deployed). Node's default lets the young generation grow to 3 × 16 MB under load, which is
 * most of the service's growth from ~90 MB idle to ~120–130 MB with 64 clients; 4 MB
 * semi-spaces keep the peak near 100 MB at the same throughput (docs/decisions/0106).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
