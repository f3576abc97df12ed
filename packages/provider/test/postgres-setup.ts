/**
 * vitest globalSetup: one PostgreSQL server for the whole run (the machine's, or a private one
 * when none answers), its URL in TEST_PG_ADMIN_URL before the workers fork.
 */
import { setUpTestPostgres } from "@httprequest-lego-provider/test-postgres";

export default function setup(): Promise<() => Promise<void>> {
  return setUpTestPostgres();
}
