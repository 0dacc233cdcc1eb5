// What the popup shows, decided without the DOM: each card's state line, its sign-in control,
// its buttons, and its accounts' rows, from the state the background published and the tab the
// popup is about. Pure: parts.ts draws it, the unit tests read it.
import { accountInTab, accountLabel, DEFAULT_ACCOUNT, type TabChoice } from '../core/accounts.js';
import { type SignInMethod, signInMethod, traitsOf } from '../core/auth-kinds.js';
import { appliesToPage, tabUrlFor } from '../core/rules.js';
import { isSending, type PublicStatus } from '../core/session.js';
import { t } from '../core/text.js';
import type { AccountView, ProfileView } from '../core/view.js';
import { countdown } from '../pages/countdown.js';
import type { CurrentTab } from '../pages/page-browser.js';

/** How a signed-out account signs in here; 'client-secret': a machine identity whose secret is not stored. */
export type SignInControl = SignInMethod | 'client-secret';

/** A card's buttons while its token is sent, in the order shown. */
export type CardAction = 'refresh' | 'test' | 'copy-curl' | 'open-in-tab' | 'sign-out';

/** The card's terminal part: offered while the token is sent, shown while access is on. */
export type TerminalPart =
  | { readonly kind: 'offer' }
  | {
      readonly kind: 'on';
      readonly until: number | null;
      readonly handedOut: number;
      readonly lastAt?: number;
    };

/** An account row's buttons, in the order shown. */
export type AccountAction = 'use-in-this-tab' | 'open-tab' | 'refresh' | 'sign-out' | 'remove';

export interface AccountRow {
  readonly accountId: string;
  readonly label: string;
  readonly isDefault: boolean;
  readonly usedInThisTab: boolean;
  /** An added account's own state, sign-in and notices; the default account's are the card's. */
  readonly added?: { readonly status: PublicStatus; readonly signIn?: SignInControl | undefined };
  readonly actions: readonly AccountAction[];
}

export interface CardModel {
  readonly stateText: string;
  readonly signIn?: SignInControl | undefined;
  readonly actions: readonly CardAction[];
  readonly terminal?: TerminalPart | undefined;
  /** "Add another account" alone ('add'), the rows with it ('rows'), or nothing. */
  readonly accounts: { readonly kind: 'add' } | { readonly kind: 'rows'; rows: AccountRow[] } | undefined;
}

/** The state line: what the account is doing, and for how long its token lasts. */
export function describe(status: PublicStatus, now: number): string {
  switch (status.phase) {
    case 'disabled':
      return t('phaseDisabled');
    case 'signed-out':
      return status.signingIn ? t('phaseSigningIn') : t('phaseSignedOut');
    case 'refreshing':
      return t('phaseRefreshing');
    case 'expired':
      return t('phaseExpired');
    case 'signed-in':
    case 'retrying': {
      const who = status.username ? t('signedInAs', status.username) : t('tokenInUse');
      return status.expiresAt ? t('expiresIn', who, countdown(status.expiresAt, now)) : who;
    }
  }
}

/** An added account's state: its row already names the user. */
export function describeAccount(status: PublicStatus, now: number): string {
  if ((status.phase === 'signed-in' || status.phase === 'retrying') && status.expiresAt)
    return t('expiresIn', t('accountSignedIn'), countdown(status.expiresAt, now));
  return describe(status, now);
}

/** The sign-in a signed-out (or expired) account of an enabled profile offers; none otherwise. */
export function signInControl(view: ProfileView, status: PublicStatus): SignInControl | undefined {
  const waiting = status.phase === 'signed-out' || status.phase === 'expired';
  if (!view.profile.enabled || !waiting || status.signingIn) return undefined;
  // The pages never see a stored secret, only whether there is one.
  if (traitsOf(view.profile.auth.kind).needsClientSecret && !view.hasClientSecret) return 'client-secret';
  return signInMethod(view.profile.auth);
}

/** The profiles that apply to the current tab first (its page is one of their pages or hosts). */
export function inTabOrder(profiles: readonly ProfileView[], tab: CurrentTab | undefined): ProfileView[] {
  const url = tab?.url;
  if (!url) return [...profiles];
  const applies = (view: ProfileView) => appliesToPage(view.profile, url);
  return [...profiles.filter(applies), ...profiles.filter((view) => !applies(view))];
}

/** Everything a profile's card shows, as data. */
export function cardModel(
  view: ProfileView,
  now: number,
  tab: CurrentTab | undefined,
  choices: readonly TabChoice[],
  terminalAllowed = true,
): CardModel {
  const { profile, status } = view;
  const actions: CardAction[] = [];
  if (isSending(status)) {
    if (status.canRefresh) actions.push('refresh');
    if (profile.testUrl) actions.push('test', 'copy-curl');
    if (tabUrlFor(profile)) actions.push('open-in-tab');
    actions.push('sign-out');
  }
  return {
    stateText: describe(status, now),
    signIn: signInControl(view, status),
    actions,
    terminal: terminalPart(view, terminalAllowed),
    accounts: accountsModel(view, tab, choices),
  };
}

/** Terminal access: shown while on (to turn it off); offered while the token is sent and allowed. */
function terminalPart(view: ProfileView, allowed: boolean): TerminalPart | undefined {
  if (view.terminal) return { kind: 'on', ...view.terminal };
  return allowed && isSending(view.status) && view.profile.enabled ? { kind: 'offer' } : undefined;
}

/**
 * The profile's accounts, when the user added any: each with its state, the one the current tab
 * uses marked, "Use in this tab" for the others; an added one with its own sign-in and sign-out.
 * Without added accounts, only "Add another account" (once the first is signed in), so a single
 * account stays as simple as it was.
 */
function accountsModel(
  view: ProfileView,
  tab: CurrentTab | undefined,
  choices: readonly TabChoice[],
): CardModel['accounts'] {
  const { id, profile } = view;
  if (!traitsOf(profile.auth.kind).allowsAddedAccounts) return undefined;
  if (view.accounts.length === 0) return isSending(view.status) ? { kind: 'add' } : undefined;
  const inTab = tab && accountInTab(choices, tab.id, id);
  // Switching belongs to tabs the profile applies to, or that already use another account.
  const switchable =
    !!tab && (inTab !== DEFAULT_ACCOUNT || (tab.url !== undefined && appliesToPage(profile, tab.url)));
  const row = (accountId: string, status: PublicStatus, added?: AccountView): AccountRow => {
    const usedInThisTab = switchable && inTab === accountId;
    const sending = isSending(status);
    const actions: AccountAction[] = [];
    if (switchable && !usedInThisTab) actions.push('use-in-this-tab');
    if (added && sending && tabUrlFor(profile)) actions.push('open-tab');
    if (added && sending && status.canRefresh) actions.push('refresh');
    if (added && sending) actions.push('sign-out');
    if (added) actions.push('remove');
    return {
      accountId,
      label: accountLabel(status.username, accountId),
      isDefault: accountId === DEFAULT_ACCOUNT,
      usedInThisTab,
      ...(added ? { added: { status, signIn: signInControl(view, status) } } : {}),
      actions,
    };
  };
  return {
    kind: 'rows',
    rows: [
      row(DEFAULT_ACCOUNT, view.status),
      ...view.accounts.map((account) => row(account.accountId, account.status, account)),
    ],
  };
}
