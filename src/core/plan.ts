// What the background should be doing, decided from what is stored: which tokens the rules carry,
// which alarms are set, what each profile's status is, which refreshes are due, and what the
// pages and the badge show. Pure: the controller reads the inputs, calls plan(), applies the result.
import type { AccountView, AppState, ProfileView } from '../messages/protocol.js';
import {
  accountInTab,
  accountKey,
  accountLabel,
  accountsOf,
  DEFAULT_ACCOUNT,
  type ExtraAccount,
  shortLabel,
  standingChoices,
  type TabChoice,
  tabScope,
} from './accounts.js';
import { type ApiTab, tabIdsOf } from './api-tabs.js';
import { authFingerprint, canRenew, issuerOf, mayRenew, plainHttpEndpoints } from './auth-requests.js';
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
import {
  type Badge,
  badgeFor,
  isSending,
  isUsable,
  type PublicStatus,
  publicStatus,
  type Session,
  SIGNED_OUT,
} from './session.js';
import { nextCheckAt, SUBSCRIPTION_ALARM, type Subscription, subscriptionView } from './subscriptions.js';
import { t } from './text.js';
import { hasClientSecret, withoutClientSecret } from './valid-profile.js';

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
  readonly sync?: AppState['sync'];
  /** The time the view is for (a team file past its expiry shows as expired). */
  readonly now: number;
}

/** What the pages show: every profile without its secret, its status, what it still needs. */
export function appState(
  {
    statuses,
    extras,
    choices,
    subscriptions,
    sessions,
  }: Pick<Plan, 'statuses' | 'extras' | 'choices' | 'subscriptions' | 'sessions'>,
  { profiles, managedProblems, discovered, origins, ruleFailures, now, sync = { enabled: false } }: ViewInput,
): AppState {
  const withFailure = (key: string): PublicStatus => {
    const status = statuses[key] as PublicStatus;
    const failure = ruleFailures.get(key);
    return failure === undefined ? status : { ...status, error: t('rulesRefused', failure) };
  };
  const signedIn = (id: string) => !!sessions.get(id)?.tokens;
  return {
    managedProblems,
    sync,
    tabChoices: choices,
    subscriptions: subscriptions.map((subscription) => subscriptionView(subscription, signedIn, now)),
    profiles: profiles.map(({ id, profile, managed, subscription }): ProfileView => {
      const accounts = accountsOf(extras, id)
        .slice(1)
        .map((accountId): AccountView => ({ accountId, status: withFailure(accountKey(id, accountId)) }));
      return {
        id,
        profile: withoutClientSecret(profile),
        hasClientSecret: hasClientSecret(profile),
        plainHttp: plainHttpEndpoints(
          profile.auth,
          discovered[issuerOf(profile.auth) ?? '']?.endpoints ?? [],
        ),
        managed: !!managed,
        ...(subscription !== undefined ? { subscription } : {}),
        origins: origins.get(id)?.all ?? [],
        missingOrigins: origins.get(id)?.missing ?? [],
        status: withFailure(accountKey(id, DEFAULT_ACCOUNT)),
        accounts,
      };
    }),
  };
}

/** The toolbar badge for what the pages show: every account of every profile. */
export const badgeOf = (state: AppState): Badge =>
  badgeFor(
    state.profiles.flatMap((view) => {
      const missingPermission = view.missingOrigins.length > 0;
      return [
        { name: view.profile.name, status: view.status, missingPermission },
        ...view.accounts.map(({ accountId, status }) => ({
          name: t('accountOfProfile', view.profile.name, accountLabel(status.username, accountId)),
          status,
          missingPermission,
        })),
      ];
    }),
  );

/**
 * The badges of the tabs that use another account than a profile's default: the account, in
 * a color of its own, or "!" where that account has no token to send; the title says which,
 * above the `global` badge's.
 */
export function badgesOfTabs(state: AppState, global: Badge): Map<number, Badge> {
  const badges = new Map<number, Badge>();
  for (const tabId of new Set(state.tabChoices.map((c) => c.tabId))) {
    const used = state.tabChoices.flatMap((choice) => {
      if (choice.tabId !== tabId) return [];
      const view = state.profiles.find((p) => p.id === choice.profileId);
      const account = view?.accounts.find((a) => a.accountId === choice.accountId);
      return view && account ? [{ profile: view.profile.name, account }] : [];
    });
    const first = used[0];
    if (!first) continue;
    const { username } = first.account.status;
    const sending = used.every(({ account }) => isSending(account.status));
    badges.set(tabId, {
      text: sending ? shortLabel(username, first.account.accountId) : '!',
      color: sending ? '#6a1b9a' : '#c5221f',
      title: [
        ...used.map(({ profile, account }) =>
          t('tabBadgeLine', profile, accountLabel(account.status.username, account.accountId)),
        ),
        global.title,
      ].join('\n'),
    });
  }
  return badges;
}
