import type { RecordStore, StoreResult } from "../dns/record-store.js";
import { valuesToRemove } from "./rotation.js";
import type { AcmeDnsValues } from "./values-repo.js";

/**
 * acme-dns's write: add the value, drop older /update values beyond the newest two, in one commit.
 * The value is remembered before the write (a failed write leaves a remembered value that is not
 * in the zone: removing it later is a no-op) and the dropped ones are forgotten only after it, so
 * no /update value can stay in a zone unremembered. Concurrent updates of one name each keep the
 * two newest they saw, so the name converges on the two newest.
 */
export class AcmeDnsUpdates {
  constructor(
    private readonly values: AcmeDnsValues,
    private readonly store: RecordStore,
  ) {}

  async update(fqdn: string, value: string): Promise<StoreResult> {
    const known = await this.values.remember(fqdn, value);
    const remove = valuesToRemove(known, value);
    const result = await this.store.replace(fqdn, value, remove);
    await this.values.forget(fqdn, remove);
    return result;
  }
}
