/**
 * Serialises the push of a batch across replicas (e.g. a PostgreSQL advisory lock), so N units
 * sharing one remote take turns instead of all fetching and retrying after every rejection.
 * Correctness never depends on it: a rejected push is always fetched, re-applied and retried.
 */
export interface RemoteLock {
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}
