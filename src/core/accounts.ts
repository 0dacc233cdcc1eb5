// Accounts: the sign-ins of one profile, and the tabs that use another than the default. Pure.
//
// A profile is where a token goes and how it is got; an account is one sign-in to it. Every
// profile has its default account, the one it always had (its session keeps its old storage key,
// so nothing stored before changes). The user may add more from the popup, each with its own
// tokens, refresh schedule, state and sign-out, and choose per tab which one the tab's requests
// to the profile's hosts carry. Every tab without a choice, and every request that belongs to no
// tab (a page's service worker, a prefetch), gets the default account.
import { t } from './text.js';

/** The default account's id. */
export const DEFAULT_ACCOUNT = '';

/** An account the user added to a profile (the default one is never listed). */
export interface ExtraAccount {
  readonly profileId: string;
  /** A small number as text ("2", "3"…), unique within the profile, never reused while listed. */
  readonly accountId: string;
}

/** A tab that uses another account than the default for one profile. */
export interface TabChoice {
  readonly tabId: number;
  readonly profileId: string;
  readonly accountId: string;
}

export const isExtraAccount = (value: unknown): value is ExtraAccount =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ExtraAccount).profileId === 'string' &&
  /^[1-9][0-9]*$/.test(String((value as ExtraAccount).accountId));

export const isTabChoice = (value: unknown): value is TabChoice =>
  isExtraAccount(value) && Number.isInteger((value as TabChoice).tabId);

/**
 * The key an account's session, alarms and refreshes go by. The default account's is the profile
 * id (as before accounts existed); another's starts with `@`, which no profile id does (ids are
 * UUIDs or `managed:NAME`), and its number ends at the first `:`, so a key reads back one way.
 */
export const accountKey = (profileId: string, accountId: string): string =>
  accountId === DEFAULT_ACCOUNT ? profileId : `@${accountId}:${profileId}`;

export function parseAccountKey(key: string): { profileId: string; accountId: string } {
  const match = /^@([1-9][0-9]*):(.*)$/s.exec(key);
  return match
    ? { profileId: match[2] as string, accountId: match[1] as string }
    : { profileId: key, accountId: DEFAULT_ACCOUNT };
}

/** The profile's accounts, the default first. */
export const accountsOf = (extras: readonly ExtraAccount[], profileId: string): string[] => [
  DEFAULT_ACCOUNT,
  ...extras.filter((a) => a.profileId === profileId).map((a) => a.accountId),
];

/** A new account for the profile: the next number after the highest listed (the default is 1). */
export function withNewAccount(
  extras: readonly ExtraAccount[],
  profileId: string,
): { extras: ExtraAccount[]; accountId: string } {
  const highest = Math.max(1, ...accountsOf(extras, profileId).slice(1).map(Number));
  const accountId = String(highest + 1);
  return { extras: [...extras, { profileId, accountId }], accountId };
}

/** The account tab `tabId` uses for the profile. */
export const accountInTab = (choices: readonly TabChoice[], tabId: number, profileId: string): string =>
  choices.find((c) => c.tabId === tabId && c.profileId === profileId)?.accountId ?? DEFAULT_ACCOUNT;

/** The choices with tab `tabId` using `accountId` for the profile (the default: no choice). */
export function withChoice(
  choices: readonly TabChoice[],
  tabId: number,
  profileId: string,
  accountId: string,
): TabChoice[] {
  const others = choices.filter((c) => !(c.tabId === tabId && c.profileId === profileId));
  return accountId === DEFAULT_ACCOUNT ? others : [...others, { tabId, profileId, accountId }];
}

/** A tab opened from `openerTabId` (`window.open`, a link to a new tab) uses what its opener uses. */
export function inherited(choices: readonly TabChoice[], openerTabId: number, tabId: number): TabChoice[] {
  const fromOpener = choices.filter((c) => c.tabId === openerTabId).map((c) => ({ ...c, tabId }));
  if (fromOpener.length === 0) return [...choices];
  return [...choices.filter((c) => c.tabId !== tabId), ...fromOpener];
}

/**
 * A tab whose first page the page in `sourceTabId` opened, as the browser's navigation events
 * tell it (the reliable source): it uses exactly what that tab uses, whatever it took before
 * from a guess (`inherited`, from an opener the browser may have named wrongly).
 */
export function openedFrom(choices: readonly TabChoice[], sourceTabId: number, tabId: number): TabChoice[] {
  const fromSource = choices.filter((c) => c.tabId === sourceTabId).map((c) => ({ ...c, tabId }));
  return [...choices.filter((c) => c.tabId !== tabId), ...fromSource];
}

/**
 * The choices that still stand: those of listed accounts (a closed tab's go when it closes). The
 * same list when all do (so a caller can tell nothing changed).
 */
export function standingChoices(
  choices: readonly TabChoice[],
  extras: readonly ExtraAccount[],
): readonly TabChoice[] {
  const kept = choices.filter((c) =>
    extras.some((a) => a.profileId === c.profileId && a.accountId === c.accountId),
  );
  return kept.length === choices.length ? choices : kept;
}

/** Which tabs an account's rules cover: only its chosen tabs, or every tab but those. */
export interface TabScope {
  /** Another account's: the tabs that chose it. */
  readonly onlyTabs?: readonly number[];
  /** The default account's: the tabs that chose another account of the same profile. */
  readonly exceptTabs?: readonly number[];
}

/** The tabs an account's rules cover, from the profile's tab choices. */
export function tabScope(choices: readonly TabChoice[], profileId: string, accountId: string): TabScope {
  const ofProfile = choices.filter((c) => c.profileId === profileId);
  const sorted = (tabs: TabChoice[]) => [...new Set(tabs.map((c) => c.tabId))].sort((a, b) => a - b);
  if (accountId !== DEFAULT_ACCOUNT)
    return { onlyTabs: sorted(ofProfile.filter((c) => c.accountId === accountId)) };
  const except = sorted(ofProfile);
  return except.length ? { exceptTabs: except } : {};
}

/** Whether an account's rules apply to a request from this tab. */
export const inScope = (scope: TabScope, tabId: number): boolean =>
  scope.onlyTabs ? scope.onlyTabs.includes(tabId) : !scope.exceptTabs?.includes(tabId);

/** What an account is called: the user it signed in as, or its number. */
export const accountLabel = (username: string | undefined, accountId: string): string =>
  username || t('accountNumbered', accountId === DEFAULT_ACCOUNT ? '1' : accountId);

/** An account in the four characters a badge shows: the user's name before any `@`, or `#N`. */
export const shortLabel = (username: string | undefined, accountId: string): string =>
  username?.split('@')[0]?.slice(0, 4) || `#${accountId === DEFAULT_ACCOUNT ? '1' : accountId}`;
