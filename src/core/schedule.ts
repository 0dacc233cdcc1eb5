// When to refresh, when to retry, when a token must stop being sent. Pure: times are ms since the epoch.

/** How long a removed profile can be brought back, with its sign-in. */
export const UNDO_MS = 30_000;

/** A token is dropped from the rules this long before its expiry, to absorb late alarms and clock skew. */
export const EXPIRY_MARGIN_MS = 2_000;

/**
 * The refresh is due `leadSeconds` before expiry, but never later than two thirds into the
 * token's life, so a short-lived token (45 s) is still refreshed well before it expires.
 */
export function refreshDueAt(issuedAt: number, expiresAt: number, leadSeconds: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const lead = Math.min(leadSeconds * 1000, lifetime / 3);
  return Math.round(expiresAt - lead);
}

/** The moment the header must stop carrying this token. */
export function dropAt(expiresAt: number): number {
  return expiresAt - EXPIRY_MARGIN_MS;
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * After a transient refresh failure (network, timeout, 5xx): back off exponentially. While the
 * token is still being sent, squeeze one last try in before it is dropped; after that, keep
 * trying at the backoff pace (the refresh token may well still be good when the network returns).
 */
export function retryAt(now: number, attempt: number, expiresAt: number): number {
  const next = now + Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt), MAX_RETRY_MS);
  const lastChance = dropAt(expiresAt) - 1_000;
  return now < lastChance ? Math.min(next, lastChance) : next;
}

const MIN_REFRESH_GAP_MS = 10_000;

/**
 * The least time from one refresh of an account to the next: 10 s, doubling with each refresh in
 * a row whose answer's expiry was past or moments away (`doubtful`), up to 5 minutes. However an
 * endpoint or a clock misbehaves, the API is not called in a loop.
 */
export function minRefreshGap(doubtful: number): number {
  return Math.min(MIN_REFRESH_GAP_MS * 2 ** Math.max(0, doubtful), MAX_RETRY_MS);
}
