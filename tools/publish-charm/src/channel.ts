/**
 * Charmhub channels are `[track/]risk[/branch]` with risk one of stable, candidate, beta, edge
 * (charmcraft `release --help`). Validated here so a typo fails before anything is uploaded.
 */
import { UsageError } from "./errors.js";

export const DEFAULT_CHANNEL = "latest/edge";
const RISKS = new Set(["stable", "candidate", "beta", "edge"]);
const PART = /^[a-z0-9][a-z0-9._-]*$/i;

export function parseChannel(channel: string): string {
  const parts = channel.split("/");
  const riskIndex = parts.findIndex((p) => RISKS.has(p));
  const valid =
    parts.every((p) => PART.test(p)) &&
    parts.length <= 3 &&
    ((parts.length === 1 && riskIndex === 0) ||
      (parts.length === 2 && (riskIndex === 0 || riskIndex === 1)) ||
      (parts.length === 3 && riskIndex === 1));
  if (!valid) {
    throw new UsageError(
      `--channel ${JSON.stringify(channel)} is not a Charmhub channel; use [track/]risk[/branch] with risk one of stable, candidate, beta, edge (e.g. latest/edge)`,
    );
  }
  return channel;
}
