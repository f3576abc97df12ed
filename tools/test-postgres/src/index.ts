export { setUpTestPostgres } from "./global-setup.js";
export {
  DEBIAN_POSTGRESQL_LIB,
  findServerBinDir,
  type PrivateCluster,
  startPrivateCluster,
} from "./private-cluster.js";
export { type ProbeResult, probe } from "./probe.js";
export {
  ADMIN_URL_ENV,
  adminUrlFromEnv,
  MACHINE_SERVER_URL,
  PROBE_URL_ENV,
  SOCKET_DIR_ENV,
  type TestPostgres,
  type TestPostgresOptions,
  type TestPostgresOrigin,
  testPostgres,
} from "./test-postgres.js";
