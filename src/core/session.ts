// A profile's sign-in session, what of it the pages may see, and the toolbar badge. Pure.

import { authFingerprint } from './auth-requests.js';
import type { Profile } from './profile.js';
import { type MessageKey, t } from './text.js';
import { OAUTH_PATHS, parseTokenAnswer, TokenAnswerError, type Tokens } from './token-answer.js';

/** Kept by the background only (tokens sealed at rest, see session-store.ts), never sent to a page. */
export interface Session {
  readonly username?: string;
  readonly tokens?: Tokens;
  /** Why the user was signed out or why the token stopped, in words the user can read. */
  readonly error?: string;
  /** Consecutive transient refresh failures: drives the backoff. */
  readonly failures: number;
  readonly lastRefresh?: Outcome;
  /** The profile's sign-in settings the tokens came from (`authFingerprint`). */
  readonly signedInWith?: string;
  /** Who signed in, where a checked ID token proved it: a sign-in without a window must prove the same. */
  readonly subject?: string;
  /** Refreshes in a row whose answer's expiry was not believed or was moments away: spaces the next. */
  readonly doubtful?: number;
}

/** How an attempt ended: a refresh, a team file's check, a sync. */
export interface Outcome {
  readonly at: number;
  readonly ok: boolean;
  readonly message?: string;
}

export const SIGNED_OUT: Session = { failures: 0 };

export type Phase =
  | 'disabled' // the profile is switched off
  | 'signed-out' // no token; `error` says why when a refresh or the server ended it
  | 'signed-in' // a valid token is being sent
  | 'refreshing' // a refresh is in flight (the old token is still sent meanwhile)
  | 'retrying' // refresh failed transiently; the token is still sent until it expires
  | 'expired'; // the token expired and no refresh brought a new one: nothing is sent

/** What the popup and options page see. It holds no token. */
export interface PublicStatus {
  readonly phase: Phase;
  readonly username?: string;
  readonly expiresAt?: number;
  readonly error?: string;
  readonly lastRefresh?: Outcome;
  readonly nextAttemptAt?: number;
  readonly canRefresh: boolean;
  /** A sign-in is in progress (the provider's page is open, or a grant is in flight). */
  readonly signingIn: boolean;
  /** The token's expiry was past or moments away by this clock (Tokens.expiryDoubtful). */
  readonly expiryDoubtful?: true;
}

export function isUsable(
  tokens: Tokens | undefined,
  now: number,
  dropAt: (expiresAt: number) => number,
): boolean {
  return !!tokens && now < dropAt(tokens.expiresAt);
}

export function publicStatus(
  session: Session,
  opts: {
    enabled: boolean;
    refreshing: boolean;
    signingIn?: boolean;
    usable: boolean;
    canRefresh: boolean;
    nextAttemptAt?: number | undefined;
  },
): PublicStatus {
  const base = {
    ...(session.username !== undefined ? { username: session.username } : {}),
    ...(session.lastRefresh ? { lastRefresh: session.lastRefresh } : {}),
    ...(session.error ? { error: session.error } : {}),
    ...(session.tokens?.expiryDoubtful ? { expiryDoubtful: true as const } : {}),
    canRefresh: opts.canRefresh,
    signingIn: opts.signingIn ?? false,
  };
  if (!opts.enabled) return { ...base, phase: 'disabled' };
  if (!session.tokens) return { ...base, phase: 'signed-out' };
  const expiresAt = session.tokens.expiresAt;
  const next = opts.nextAttemptAt !== undefined ? { nextAttemptAt: opts.nextAttemptAt } : {};
  if (opts.refreshing) return { ...base, expiresAt, phase: 'refreshing' };
  if (!opts.usable) return { ...base, ...next, expiresAt, phase: 'expired' };
  if (session.failures > 0) return { ...base, ...next, expiresAt, phase: 'retrying' };
  return { ...base, expiresAt, phase: 'signed-in' };
}

export interface Badge {
  readonly text: string;
  readonly color: string;
  readonly title: string;
}

export interface BadgeInput {
  readonly name: string;
  readonly status: PublicStatus;
  readonly missingPermission: boolean;
}

const phaseWords: Record<Phase, MessageKey> = {
  disabled: 'badgeDisabled',
  'signed-out': 'badgeSignedOut',
  'signed-in': 'badgeSignedIn',
  refreshing: 'badgeRefreshing',
  retrying: 'badgeRetrying',
  expired: 'badgeExpired',
};

/** The whole extension's state at a glance: errors first, then work in progress, then sign-ins. */
export function badgeFor(profiles: readonly BadgeInput[]): Badge {
  const title = [
    t('extensionName'),
    ...profiles.map(({ name, status, missingPermission }) => {
      const phase = t(phaseWords[status.phase]);
      const words =
        missingPermission && status.phase !== 'disabled' ? t('badgeMissingPermission', phase) : phase;
      return t('badgeLine', name, words);
    }),
  ].join('\n');
  const live = profiles.filter((p) => p.status.phase !== 'disabled');
  const failing = live.some(
    (p) =>
      p.status.phase === 'retrying' ||
      p.status.phase === 'expired' ||
      (p.status.phase === 'signed-out' && p.status.error) ||
      (p.missingPermission && p.status.phase !== 'signed-out'),
  );
  if (failing) return { text: '!', color: '#c5221f', title };
  if (live.some((p) => p.status.phase === 'refreshing')) return { text: '…', color: '#1a73e8', title };
  const signedIn = live.filter((p) => p.status.phase === 'signed-in').length;
  if (signedIn > 0) return { text: String(signedIn), color: '#188038', title };
  if (live.length > 0) return { text: '?', color: '#b06000', title };
  return { text: '', color: '#5f6368', title };
}

/**
 * Whether an account's token is being sent: signed in, refreshing, or retrying a refresh that
 * failed (its token is sent until it expires). The plan's rules, the popup and the badges agree.
 */
export const isSending = (status: Pick<PublicStatus, 'phase'>): boolean =>
  status.phase === 'signed-in' || status.phase === 'retrying' || status.phase === 'refreshing';

/** A fresh sign-in's session. `signedInWith`: the fingerprint of the sign-in settings used. */
export function signedIn(
  tokens: Tokens,
  username: string | undefined,
  signedInWith: string,
  subject?: string,
): Session {
  return {
    ...(username !== undefined ? { username } : {}),
    ...(subject !== undefined ? { subject } : {}),
    tokens,
    failures: 0,
    signedInWith,
  };
}

/**
 * A token the user pasted (a `manual` profile) as a session, good for `lifetimeSeconds` or the
 * profile's default lifetime; or what is wrong with it (a message key).
 */
export function pastedSession(
  profile: Profile,
  token: string,
  lifetimeSeconds: number | undefined,
  now: number,
): Session | 'badLifetime' | 'badToken' {
  if (lifetimeSeconds !== undefined && !(Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0))
    return 'badLifetime';
  const answer = { access_token: token.trim(), expires_in: lifetimeSeconds };
  try {
    const tokens = parseTokenAnswer(answer, OAUTH_PATHS, now, profile.refresh.defaultLifetimeSeconds);
    return signedIn(tokens, undefined, authFingerprint(profile.auth));
  } catch (error) {
    if (error instanceof TokenAnswerError) return 'badToken';
    throw error;
  }
}

/** How a refresh ended: new tokens, or a failure that is transient (retry) or final (signed out). */
export type RefreshResult =
  /** `signedInAgain`: new tokens from a sign-in without a window, not a refresh (see renew). */
  | { readonly ok: true; readonly tokens: Tokens; readonly signedInAgain?: boolean }
  | { readonly ok: false; readonly transient: boolean; readonly message: string };

/**
 * The session after a refresh that started from `from` at `at`. A session that no longer holds
 * `from` (the user signed out or in again meanwhile) wins: it is returned unchanged.
 */
export function afterRefresh(current: Session, from: Tokens, result: RefreshResult, at: number): Session {
  if (current.tokens?.accessToken !== from.accessToken) return current;
  if (result.ok) {
    const { error: _error, ...rest } = current;
    if (result.signedInAgain) {
      // The old refresh token was refused: only the new sign-in's, if it gave one, is kept.
      return {
        ...rest,
        tokens: result.tokens,
        failures: 0,
        lastRefresh: { at, ok: true, message: t('signedInAgainSilently') },
      };
    }
    // A server that does not rotate the refresh token leaves the old one good.
    const refreshToken = result.tokens.refreshToken ?? from.refreshToken;
    const { doubtful = 0, ...kept } = rest;
    return {
      ...kept,
      tokens: { ...result.tokens, refreshToken },
      failures: 0,
      lastRefresh: { at, ok: true },
      ...(result.tokens.expiryDoubtful ? { doubtful: doubtful + 1 } : {}),
    };
  }
  const lastRefresh = { at, ok: false, message: result.message };
  if (result.transient) {
    return {
      ...current,
      failures: current.failures + 1,
      error: t('refreshFailed', result.message),
      lastRefresh,
    };
  }
  const { username } = current;
  return {
    ...SIGNED_OUT,
    ...(username !== undefined ? { username } : {}),
    error: t('signedOutRefused', result.message),
    lastRefresh,
  };
}
