import { ZoneNotConfiguredError } from "../errors.js";
import type { RecordStore, StoreHealth, StoreResult } from "./record-store.js";

/**
 * A RecordStore kept in memory, for tests of the HTTP layer. It applies the same zone rule as the
 * git store (the longest configured zone that is a suffix of the name at a label boundary).
 */
export class MemoryRecordStore implements RecordStore {
  readonly records = new Map<string, Set<string>>();
  private readonly zones: readonly string[];
  private revision = 0;

  constructor(zones: readonly string[]) {
    this.zones = zones.map((z) => z.toLowerCase());
  }

  async present(fqdn: string, value: string): Promise<StoreResult> {
    this.requireZone(fqdn);
    const values = this.records.get(fqdn) ?? new Set<string>();
    if (values.has(value)) return { commit: undefined };
    values.add(value);
    this.records.set(fqdn, values);
    return { commit: this.nextCommit() };
  }

  async cleanup(fqdn: string, value?: string): Promise<StoreResult> {
    this.requireZone(fqdn);
    const values = this.records.get(fqdn);
    if (!values) return { commit: undefined };
    if (value === undefined) {
      this.records.delete(fqdn);
      return { commit: this.nextCommit() };
    }
    if (!values.delete(value)) return { commit: undefined };
    if (values.size === 0) this.records.delete(fqdn);
    return { commit: this.nextCommit() };
  }

  async replace(fqdn: string, value: string, remove: readonly string[]): Promise<StoreResult> {
    this.requireZone(fqdn);
    const values = this.records.get(fqdn) ?? new Set<string>();
    const added = !values.has(value);
    values.add(value);
    let removed = 0;
    for (const v of remove) if (v !== value && values.delete(v)) removed += 1;
    this.records.set(fqdn, values);
    return { commit: added || removed > 0 ? this.nextCommit() : undefined };
  }

  async health(): Promise<StoreHealth> {
    return { ok: true, detail: "in-memory store" };
  }

  async close(): Promise<void> {}

  private requireZone(fqdn: string): void {
    if (!this.zones.some((z) => fqdn === z || fqdn.endsWith(`.${z}`))) throw new ZoneNotConfiguredError(fqdn);
  }

  private nextCommit(): string {
    this.revision += 1;
    return this.revision.toString(16).padStart(40, "0");
  }
}
