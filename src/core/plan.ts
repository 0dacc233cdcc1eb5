// What the background should be doing, decided from what is stored: which tokens the rules carry,
// which alarms are set, what each profile's status is, which refreshes are due (what the pages and
// the badge show of it: view.ts). Pure: the controller reads the inputs, calls plan(), applies it.
import {
  accountInTab,
  accountKey,
  accountsOf,
  type ExtraAccount,
  standingChoices,
  type TabChoice,
  tabScope,
} from './accounts.js';
import { type ApiTab, tabIdsOf } from './api-tabs.js';
import { authFingerprint, canRenew, mayRenew } from './auth-requests.js';
import { permissionOrigins } from './hosts.js';
import type { Profile } from './profile.js';
import type { StoredProfile } from './profiles.js';
import {
  type ObservedRequest,
  parsedHosts,
  type RuleInput,
  rulesWouldMatch,
  type TabGuard,
} from './rules.js';
import { dropAt, minRefreshGap, refreshDueAt, retryAt, UNDO_MS } from './schedule.js';
import { isUsable, type PublicStatus, publicStatus, type Session, SIGNED_OUT } from './session.js';
import { nextCheckAt, SUBSCRIPTION_ALARM, type Subscription } from './subscriptions.js';
import { grantsInForce, nextGrantEnd, TERMINAL_ALARM, type TerminalGrant } from './terminal.js';
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
  if (session.failures > 0)
    return retryAt(session.lastRefresh?.at ?? now, session.failures - 1, tokens.expiresAt);
  const due = refreshDueAt(tokens.issuedAt, tokens.expiresAt, profile.refresh.leadSeconds);
  const last = session.lastRefresh?.ok ? session.lastRefresh.at : Number.NEGATIVE_INFINITY;
  return Math.max(due, last + minRefreshGap(session.doubtful ?? 0));
}

/** An account whose token the rules carry, the tabs its API was opened in, the tabs it covers. */
export interface ActiveToken extends RuleInput {
  /** The account's key (accounts.ts): the profile id for its default account. */
  readonly id: string;
  readonly profileId: string;
  readonly tabIds: readonly number[];
  /** When the token was issued, and whether the profile can refresh it: for the 401 reaction. */
  readonly issuedAt: number;
  readonly canRefresh: boolean;
}

export interface PlanInput {
  readonly now: number;
  readonly profiles: readonly StoredProfile[];
  /** The accounts added to profiles besides their default ones. */
  readonly extras: readonly ExtraAccount[];
  /** The sessions as stored, by account key. */
  readonly sessions: ReadonlyMap<string, Session>;
  readonly apiTabs: readonly ApiTab[];
  readonly choices: readonly TabChoice[];
  readonly subscriptions: readonly Subscription[];
  /** Terminal access, as granted (some may have ended). */
  readonly terminalGrants: readonly TerminalGrant[];
  /** Work in progress, by account key, which only the running background knows. */
  readonly refreshing: ReadonlySet<string>;
  readonly signingIn: ReadonlySet<string>;
}

export interface Plan {
  /** The tokens the rules carry. */
  readonly active: ActiveToken[];
  /** Every alarm that should exist, by name, with its time. */
  readonly alarms: ReadonlyMap<string, number>;
  /** By account key. */
  readonly statuses: Readonly<Record<string, PublicStatus>>;
  /** The sessions as they count (stale ones signed out), by account key. */
  readonly sessions: ReadonlyMap<string, Session>;
  /** Accounts whose refresh is due now. */
  readonly due: string[];
  /** The accounts whose stored session is stale: to be stored signed out. */
  readonly stale: Array<{ readonly key: string; readonly profile: Profile }>;
  /** The API tabs that keep their rule: those whose profile still holds a token. */
  readonly apiTabs: readonly ApiTab[];
  /** The tab choices that stand: of accounts still stored. */
  readonly choices: readonly TabChoice[];
  /** The added accounts of the listed profiles. */
  readonly extras: readonly ExtraAccount[];
  readonly subscriptions: readonly Subscription[];
  /** Subscriptions whose check is due now. */
  readonly dueSubscriptions: string[];
  /** The tabs that chose an account, by profile: another profile's token never reaches them there. */
  readonly guards: readonly TabGuard[];
  /** Terminal access in force, for listed profiles; the bridge is open while there is any. */
  readonly terminal: readonly TerminalGrant[];
  /** Whether some grants ended: to be dropped from storage. */
  readonly terminalEnded: boolean;
}

export function plan(input: PlanInput): Plan {
  const { now, profiles, sessions: stored, apiTabs, refreshing, signingIn } = input;
  const listed = input.extras.filter((a) => profiles.some((p) => p.id === a.profileId));
  // A removed profile's accounts stay stored while "Undo" is offered, and so do their tabs' choices.
  const choices = standingChoices(input.choices, input.extras);
  const active: ActiveToken[] = [];
  const alarms = new Map<string, number>();
  const statuses: Record<string, PublicStatus> = {};
  const sessions = new Map<string, Session>();
  const due: string[] = [];
  const stale: Plan['stale'] = [];
  for (const { id: profileId, profile } of profiles) {
    for (const accountId of accountsOf(listed, profileId)) {
      const id = accountKey(profileId, accountId);
      const session = currentSession(profile, stored.get(id));
      sessions.set(id, session);
      if (stored.get(id)?.tokens && !session.tokens) stale.push({ key: id, profile });
      const tokens = session.tokens;
      const usable = isUsable(tokens, now, dropAt);
      const refreshable = canRenew(profile.auth, tokens);
      let attemptAt: number | undefined;
      if (profile.enabled && tokens) {
        if (usable) {
          const { accessToken, idToken, issuedAt } = tokens;
          // "Open in a tab" tabs that use this account for the profile.
          const tabIds = tabIdsOf(apiTabs, profileId).filter(
            (tabId) => accountInTab(choices, tabId, profileId) === accountId,
          );
          const scope = tabScope(choices, profileId, accountId);
          active.push({
            id,
            profileId,
            profile,
            accessToken,
            idToken,
            tabIds,
            scope,
            issuedAt,
            canRefresh: refreshable,
          });
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
  }
  const dueSubscriptions: string[] = [];
  for (const subscription of input.subscriptions) {
    const at = nextCheckAt(subscription, now);
    if (at <= now) dueSubscriptions.push(subscription.id);
    else alarms.set(SUBSCRIPTION_ALARM + subscription.id, at);
  }
  const grantsNow = grantsInForce(input.terminalGrants, now);
  const terminal = grantsNow.filter((grant) =>
    profiles.some((p) => p.id === grant.profileId && p.profile.enabled),
  );
  const terminalEnds = nextGrantEnd(terminal);
  if (terminalEnds !== undefined) alarms.set(TERMINAL_ALARM, terminalEnds);
  const kept = apiTabs.filter((tab) => active.some((a) => a.profileId === tab.profileId));
  const guards = profiles.flatMap(({ id, profile }): TabGuard[] => {
    const tabIds = [...new Set(choices.filter((c) => c.profileId === id).map((c) => c.tabId))];
    return tabIds.length > 0 ? [{ profile, tabIds }] : [];
  });
  return {
    guards,
    active,
    alarms,
    statuses,
    sessions,
    due,
    stale,
    apiTabs: kept.length === apiTabs.length ? apiTabs : kept,
    choices,
    extras: listed,
    subscriptions: input.subscriptions,
    dueSubscriptions,
    terminal,
    terminalEnded: grantsNow.length < input.terminalGrants.length,
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
    ({ profile, accessToken, tabIds, scope, issuedAt, canRefresh }) =>
      canRefresh &&
      reactsTo401(profile) &&
      now - issuedAt >= UNAUTHORIZED_MIN_AGE_MS &&
      !alreadyForced.has(accessToken) &&
      rulesWouldMatch(profile, request, tabIds, scope),
  );
}

/** Whether a profile refreshes at once on a 401 (`refresh.on401`, on unless turned off). */
export const reactsTo401 = (profile: Profile): boolean => profile.refresh.on401 !== false;

/** The hosts of `profiles` as match patterns (their `hosts`: not their pages, not token endpoints). */
const hostPatterns = (profiles: readonly Profile[]): string[] =>
  [...new Set(profiles.flatMap((profile) => parsedHosts(profile.hosts).flatMap(permissionOrigins)))].sort();

/**
 * The hosts (match patterns) whose responses the browser must report to the background: those of
 * the profiles whose token the rules carry and that react to a 401. Each report costs its request
 * about 0.3–1.5 ms (BENCHMARKS.md), so no other host's responses are asked for, and none at all
 * where nothing would react (an empty list).
 */
export function responseHosts(active: readonly ActiveToken[]): string[] {
  return hostPatterns(
    active.filter((entry) => entry.canRefresh && reactsTo401(entry.profile)).map((entry) => entry.profile),
  );
}

/**
 * The hosts whose 401 may have to wake a stopped background: those of every profile that reacts
 * to a 401 and whose sign-in can be refreshed, signed in or not. Where the browser wakes a stopped
 * background only for what it listened to from its start (Firefox, see
 * core/response-listeners.ts), a sign-in, which comes later, cannot add its hosts; so the
 * background starts listening to these.
 */
export const wakeHosts = (profiles: readonly StoredProfile[]): string[] =>
  hostPatterns(profiles.map(({ profile }) => profile).filter((p) => reactsTo401(p) && mayRenew(p.auth)));

/** Whether the removed profile kept for "Undo" is past its time. */
export const trashExpired = (removedAt: number, now: number): boolean => now - removedAt > UNDO_MS;
