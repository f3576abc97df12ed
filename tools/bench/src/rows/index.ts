/** The rows of issue 15, run after the history rows when selected with --rows. */
import type { RowContext, RowReport } from "./context.js";
import { embeddedRow } from "./embedded.js";
import { outageRow } from "./outage.js";
import { soakRow } from "./soak.js";

export const EXTRA_ROWS = { embedded: embeddedRow, outage: outageRow, soak: soakRow } as const;
export type ExtraRow = keyof typeof EXTRA_ROWS;

export async function runExtraRows(ctx: RowContext, rows: readonly string[]): Promise<RowReport[]> {
  const reports: RowReport[] = [];
  for (const [name, row] of Object.entries(EXTRA_ROWS)) {
    if (rows.includes(name)) reports.push(await row(ctx));
  }
  return reports;
}
