/** `update`: acme-dns's POST /update (src/http/acmedns-routes.ts). */
export type ChallengeAction = "present" | "cleanup" | "update";

/** What one /present or /cleanup did, for the audit trail and the request log. */
export interface ChallengeEvent {
  readonly action: ChallengeAction;
  readonly username: string | undefined;
  /** The Basic username a refused caller claimed (unverified). */
  readonly claimedUsername?: string | undefined;
  /** The caller's address. */
  readonly client?: string | undefined;
  readonly userId: number | undefined;
  readonly fqdn: string | undefined;
  readonly outcome: "ok" | "denied" | "invalid" | "unauthenticated" | "failed";
  readonly status: number;
  readonly commit: string | undefined;
  readonly durationMs: number;
  readonly message: string | undefined;
  /** How long a /present waited for the authoritative servers after the push (APP_PROPAGATION_CHECK). */
  readonly propagationWaitMs?: number | undefined;
}

/** Told of every /present and /cleanup once it has been answered (the audit trail). */
export interface ChallengeObserver {
  onChallenge(event: ChallengeEvent): void;
}

/** Request locals the request logger reads. */
export interface ChallengeLocals {
  username?: string;
  fqdn?: string;
}
