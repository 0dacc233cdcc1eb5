// What the background should be doing, decided from what is stored: which tokens the rules carry,
// which alarms are set, what each profile's status is, which refreshes are due, and what the
// pages and the badge show. Pure: the controller reads the inputs, calls plan(), applies the result.
import type { AppState, ProfileView } from '../messages/protocol.js';
import { type ApiTab, tabIdsOf } from './api-tabs.js';
import { authFingerprint, canRenew, issuerOf, plainHttpEndpoints } from './auth-requests.js';
import { hasClientSecret, type Profile, withoutClientSecret } from './profile.js';
import type { StoredProfile } from './profiles.js';
import { type ObservedRequest, type RuleInput, rulesWouldMatch } from './rules.js';
import { dropAt, refreshDueAt, retryAt, UNDO_MS } from './schedule.js';
import {
  type Badge,
  badgeFor,
  isUsable,
  type PublicStatus,
  publicStatus,
  type Session,
  SIGNED_OUT,
} from './session.js';
import { t } from './text.js';

export const REFRESH_ALARM = 'refresh:';
export const DROP_ALARM = 'drop:';
/** A 401 refreshes only tokens older than this. */
export const UNAUTHORIZED_MIN_AGE_MS = 10_000;

/**
 * Whether a stored session no longer belongs to its profile: the profile's sign-in settings
 * changed since (an edit, an import, a policy). Its tokens belong to other endpoints or another
 * client, and a refresh token must never be sent anywhere the user did not sign in with.
 */
export const isStale = (profile: Profile, session: Session): boolean =>
  !!session.tokens && session.signedInWith !== authFingerprint(profile.auth);

/** The session as it counts: a stale one is signed out, with the reason. */
export function currentSession(profile: Profile, stored: Session | undefined): Session {
  const session = stored ?? SIGNED_OUT;
  return isStale(profile, session) ? { failures: 0, error: t('signInSettingsChanged') } : session;
}

/** When the next refresh attempt is due: the usual time, or the backoff after a failure. */
export function nextAttemptAt(profile: Profile, session: Session, now: number): number {
  const tokens = session.tokens;
  if (!tokens) return Number.POSITIVE_INFINITY;
  return session.failures > 0
    ? retryAt(session.lastRefresh?.at ?? now, session.failures - 1, tokens.expiresAt)
    : refreshDueAt(tokens.issuedAt, tokens.expiresAt, profile.refresh.leadSeconds);
}

/** A profile whose token the rules carry, and the tabs its API was opened in. */
export interface ActiveToken extends RuleInput {
  readonly id: string;
  readonly tabIds: readonly number[];
  /** When the token was issued, and whether the profile can refresh it: for the 401 reaction. */
  readonly issuedAt: number;
  readonly canRefresh: boolean;
}

export interface PlanInput {
  readonly now: number;
  readonly profiles: readonly StoredProfile[];
  /** The sessions as stored, by profile id. */
  readonly sessions: ReadonlyMap<string, Session>;
  readonly apiTabs: readonly ApiTab[];
  /** Work in progress, which only the running background knows. */
  readonly refreshing: ReadonlySet<string>;
  readonly signingIn: ReadonlySet<string>;
}

export interface Plan {
  /** The tokens the rules carry. */
  readonly active: ActiveToken[];
  /** Every alarm that should exist, by name, with its time. */
  readonly alarms: ReadonlyMap<string, number>;
  readonly statuses: Readonly<Record<string, PublicStatus>>;
  /** The sessions as they count (stale ones signed out). */
  readonly sessions: ReadonlyMap<string, Session>;
  /** Profiles whose refresh is due now. */
  readonly due: string[];
  /** The profiles whose stored session is stale: to be stored signed out. */
  readonly stale: StoredProfile[];
  /** The API tabs that keep their rule: those whose profile still holds a token. */
  readonly apiTabs: readonly ApiTab[];
}

export function plan({ now, profiles, sessions: stored, apiTabs, refreshing, signingIn }: PlanInput): Plan {
  const active: ActiveToken[] = [];
  const alarms = new Map<string, number>();
  const statuses: Record<string, PublicStatus> = {};
  const sessions = new Map<string, Session>();
  const due: string[] = [];
  const stale: StoredProfile[] = [];
  for (const entry of profiles) {
    const { id, profile } = entry;
    const session = currentSession(profile, stored.get(id));
    sessions.set(id, session);
    if (stored.get(id)?.tokens && !session.tokens) stale.push(entry);
    const tokens = session.tokens;
    const usable = isUsable(tokens, now, dropAt);
    const refreshable = canRenew(profile.auth, tokens);
    let attemptAt: number | undefined;
    if (profile.enabled && tokens) {
      if (usable) {
        const { accessToken, idToken, issuedAt } = tokens;
        const tabIds = tabIdsOf(apiTabs, id);
        active.push({ id, profile, accessToken, idToken, tabIds, issuedAt, canRefresh: refreshable });
        alarms.set(DROP_ALARM + id, dropAt(tokens.expiresAt));
      }
      if (refreshable) {
        attemptAt = nextAttemptAt(profile, session, now);
        if (attemptAt <= now) due.push(id);
        else alarms.set(REFRESH_ALARM + id, attemptAt);
      }
    }
    statuses[id] = publicStatus(session, {
      enabled: profile.enabled,
      refreshing: refreshing.has(id),
      signingIn: signingIn.has(id),
      usable,
      canRefresh: refreshable,
      nextAttemptAt: attemptAt,
    });
  }
  const kept = apiTabs.filter((tab) => active.some((a) => a.id === tab.profileId));
  return {
    active,
    alarms,
    statuses,
    sessions,
    due,
    stale,
    apiTabs: kept.length === apiTabs.length ? apiTabs : kept,
  };
}

/** The alarms to clear and to set so that exactly `wanted` exist (a time within 500 ms is kept). */
export function alarmChanges(
  existing: ReadonlyArray<{ name: string; scheduledTime: number }>,
  wanted: ReadonlyMap<string, number>,
): { clear: string[]; set: Array<[string, number]> } {
  return {
    clear: existing.filter((alarm) => !wanted.has(alarm.name)).map((alarm) => alarm.name),
    set: [...wanted].filter(([name, when]) => {
      const current = existing.find((alarm) => alarm.name === name);
      return !current || Math.abs(current.scheduledTime - when) > 500;
    }),
  };
}

/**
 * The profiles a 401 should refresh at once, from the tokens the rules carry: those whose rules
 * gave the request its token (a 401 to a request that never carried it says nothing about the
 * token), that can refresh, whose token is not brand new (a fresh token that gets a 401 is the
 * server's answer to something else, a wrong scope: refreshing again would loop), and that no 401
 * forced before. No storage read: a page that calls its API fast sees many responses.
 */
export function refreshesFor401(
  active: readonly ActiveToken[],
  request: ObservedRequest,
  now: number,
  alreadyForced: ReadonlySet<string>,
): ActiveToken[] {
  return active.filter(
    ({ profile, accessToken, tabIds, issuedAt, canRefresh }) =>
      canRefresh &&
      reactsTo401(profile) &&
      now - issuedAt >= UNAUTHORIZED_MIN_AGE_MS &&
      !alreadyForced.has(accessToken) &&
      rulesWouldMatch(profile, request, tabIds),
  );
}

/** Whether a profile refreshes at once on a 401 (`refresh.on401`, on unless turned off). */
export const reactsTo401 = (profile: Profile): boolean => profile.refresh.on401 !== false;

/**
 * Whether the browser must report the API's responses to the background: only while a profile
 * whose token the rules carry can react to a 401. Each report costs every request to a granted
 * host a little (BENCHMARKS.md), so none is asked for where nothing would react.
 */
export const needsResponses = (active: readonly ActiveToken[]): boolean =>
  active.some((entry) => entry.canRefresh && reactsTo401(entry.profile));

/** Whether the removed profile kept for "Undo" is past its time. */
export const trashExpired = (removedAt: number, now: number): boolean => now - removedAt > UNDO_MS;

/** What only the browser or the running background knows, for the pages' view of a plan. */
export interface ViewInput {
  readonly profiles: readonly StoredProfile[];
  readonly managedProblems: readonly string[];
  /** What each issuer's discovery named: every endpoint (for the plain-http warning). */
  readonly discovered: Readonly<Record<string, { readonly endpoints: readonly string[] }>>;
  /** The host permissions each profile needs, and those of them the browser has not granted. */
  readonly origins: ReadonlyMap<string, { all: readonly string[]; missing: readonly string[] }>;
  /** Why the browser refused a profile's rules, by profile id. */
  readonly ruleFailures: ReadonlyMap<string, string>;
}

/** What the pages show: every profile without its secret, its status, what it still needs. */
export function appState(
  { statuses }: Pick<Plan, 'statuses'>,
  { profiles, managedProblems, discovered, origins, ruleFailures }: ViewInput,
): AppState {
  return {
    managedProblems,
    profiles: profiles.map(({ id, profile, managed }): ProfileView => {
      const status = statuses[id] as PublicStatus;
      const failure = ruleFailures.get(id);
      return {
        id,
        profile: withoutClientSecret(profile),
        hasClientSecret: hasClientSecret(profile),
        plainHttp: plainHttpEndpoints(
          profile.auth,
          discovered[issuerOf(profile.auth) ?? '']?.endpoints ?? [],
        ),
        managed: !!managed,
        origins: origins.get(id)?.all ?? [],
        missingOrigins: origins.get(id)?.missing ?? [],
        status: failure === undefined ? status : { ...status, error: t('rulesRefused', failure) },
      };
    }),
  };
}

/** The toolbar badge for what the pages show. */
export const badgeOf = (state: AppState): Badge =>
  badgeFor(
    state.profiles.map((view) => ({
      name: view.profile.name,
      status: view.status,
      missingPermission: view.missingOrigins.length > 0,
    })),
  );
