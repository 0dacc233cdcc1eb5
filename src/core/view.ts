// What the pages and the badge show, made from a plan: the view types, `appState`, the badges.
// Pure. The message protocol (messages/protocol.ts) carries these; the core never imports from it.
import {
  accountKey,
  accountLabel,
  accountsOf,
  DEFAULT_ACCOUNT,
  shortLabel,
  type TabChoice,
} from './accounts.js';
import { issuerOf, plainHttpEndpoints } from './auth-requests.js';
import type { ImportPreview, ImportPreviewItem } from './import-preview.js';
import type { Plan } from './plan.js';
import type { Profile } from './profile.js';
import type { StoredProfile } from './profiles.js';
import { type Badge, badgeFor, isSending, type Outcome, type PublicStatus } from './session.js';
import { subscriptionView } from './subscriptions.js';
import type { TerminalGrant } from './terminal.js';
import { t } from './text.js';
import { hasClientSecret, withoutClientSecret } from './valid-profile.js';

export interface ProfileView {
  readonly id: string;
  /** Without its client secret, which never leaves the background. */
  readonly profile: Profile;
  /** A client secret is stored (sealed) for it. */
  readonly hasClientSecret: boolean;
  /** The plain-http endpoints it signs in or refreshes at: configured, and found by discovery. */
  readonly plainHttp: readonly string[];
  /** Pushed by the organization's policy: shown, used, but not editable here. */
  readonly managed: boolean;
  /** The subscription (a team's file) it comes from: shown, used, but not editable here either. */
  readonly subscription?: string;
  readonly status: PublicStatus;
  /** Host-permission match patterns the profile needs and the browser has not granted. */
  readonly missingOrigins: readonly string[];
  /** All the match patterns the profile needs, to ask for them with a user gesture. */
  readonly origins: readonly string[];
  /** The default account's state is `status`; these are the accounts the user added. */
  readonly accounts: readonly AccountView[];
  /** Terminal access, while it is on (core/terminal.ts): until when, and how much it was used. */
  readonly terminal?: {
    readonly until: number | null;
    readonly handedOut: number;
    readonly lastAt?: number;
  };
}

/** An account the user added to a profile (src/core/accounts.ts). */
export interface AccountView {
  readonly accountId: string;
  readonly status: PublicStatus;
}

export interface AppState {
  readonly profiles: readonly ProfileView[];
  /** Why the organization's profile file was refused, when it was. */
  readonly managedProblems: readonly string[];
  /** The tabs that use another account than a profile's default. */
  readonly tabChoices: readonly TabChoice[];
  readonly subscriptions: readonly SubscriptionView[];
  /** Whether this browser syncs the user's own profiles, and how the last sync went. */
  /** Terminal access as a whole: whether the policy allows it, why the bridge is down if it is. */
  readonly terminal: { readonly allowed: boolean; readonly problem?: string };
  readonly sync: {
    readonly enabled: boolean;
    readonly last?: Outcome;
    /** Other browsers' versions that widen a profile here: each waits for Accept (acceptSyncedChange). */
    readonly waiting?: readonly SyncWaitingView[];
  };
}

/** Another browser's version of a profile here, waiting: what it changes, as an import's preview. */
export interface SyncWaitingView {
  readonly name: string;
  /** When the other browser changed it: Accept names it, so that it applies the version shown. */
  readonly changedAt: number;
  readonly item: ImportPreviewItem;
  readonly widening: readonly string[];
}

/** A subscription to a team's profile file, as the pages show it. */
export interface SubscriptionView {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** The pinned key (public), where one is. */
  readonly publicKey?: string;
  readonly everyHours: number;
  /** When the file in force was fetched, and its profiles' names. */
  readonly fetchedAt?: number;
  /** The file in force's serial, and when it stops vouching for itself: `expired` once past. */
  readonly serial?: number;
  readonly expiresAt?: number;
  readonly expired?: boolean;
  readonly profiles: readonly string[];
  readonly lastCheck?: Outcome;
  /** An update that waits for the user: what it changes (as an import's preview) and what widens. */
  readonly pending?: {
    readonly at: number;
    /** Names this very file: Apply sends it back (acceptSubscriptionUpdate). */
    readonly digest: string;
    readonly preview: ImportPreview;
    readonly widening: readonly string[];
  };
}

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
  readonly terminal?: AppState['terminal'];
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
    terminal: grants,
  }: Pick<Plan, 'statuses' | 'extras' | 'choices' | 'subscriptions' | 'sessions' | 'terminal'>,
  {
    profiles,
    managedProblems,
    discovered,
    origins,
    ruleFailures,
    now,
    sync = { enabled: false },
    terminal = { allowed: true },
  }: ViewInput,
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
    terminal,
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
        ...terminalOf(grants.find((grant) => grant.profileId === id)),
      };
    }),
  };
}

/** A profile's terminal access as the pages see it (none while it is off). */
function terminalOf(grant: TerminalGrant | undefined): Pick<ProfileView, 'terminal'> {
  if (!grant) return {};
  const { until, handedOut, lastAt } = grant;
  return { terminal: { until, handedOut, ...(lastAt !== undefined ? { lastAt } : {}) } };
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
