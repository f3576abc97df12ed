/**
 * The seam between the HTTP layer and the DNS repository.
 *
 * Names are already validated and normalised when they get here: lowercase, no trailing dot,
 * always starting with `_acme-challenge.`; values are validated TXT-safe strings.
 * A promise resolves only once the change is durable in the remote repository.
 */
export interface StoreResult {
  /** Commit that carried the change to the remote; undefined when nothing had to change. */
  readonly commit: string | undefined;
}

export interface StoreHealth {
  readonly ok: boolean;
  readonly detail: string;
}

export interface RecordStore {
  /** Adds `value` to the TXT values of `fqdn`, keeping the others. Idempotent. */
  present(fqdn: string, value: string): Promise<StoreResult>;
  /** Removes `value` (every value when undefined) from `fqdn`. Idempotent. */
  cleanup(fqdn: string, value?: string): Promise<StoreResult>;
  /** Adds `value` to `fqdn` and removes each of `remove` from it, in one commit. Idempotent. */
  replace(fqdn: string, value: string, remove: readonly string[]): Promise<StoreResult>;
  /** For /readyz: has the remote been reachable recently? */
  health(): Promise<StoreHealth>;
  /** Finishes queued work, then releases resources. */
  close(): Promise<void>;
}
