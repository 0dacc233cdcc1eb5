// Small lists the background keeps beside the profiles: the API tabs ("Open in a tab") and the
// tabs' account choices in storage.session (they live as long as the browser session, as tabs
// do, and survive the background being stopped), the added accounts and the subscriptions to
// teams' profile files in storage.local.

import type { Storage } from '../browser-api/browser.js';
import type { ExtraAccount, TabChoice } from '../core/accounts.js';
import { isExtraAccount, isTabChoice } from '../core/accounts.js';
import { type ApiTab, isApiTab } from '../core/api-tabs.js';
import { isSubscription, type Subscription } from '../core/subscriptions.js';
import { isTerminalGrant, type TerminalGrant } from '../core/terminal.js';
import { queue } from './queue.js';

export interface ListStore<T> {
  load(): Promise<T[]>;
  /**
   * Changes the list, one change at a time: the tab events (a load and a close in the same
   * moment), the popup's actions and the reconciliation each read and write it. `change` returns
   * the same list when it changes nothing; the result says whether it changed anything.
   */
  update(change: (items: readonly T[]) => readonly T[]): Promise<boolean>;
}

export const API_TABS_KEY = 'apiTabs';
export const TAB_CHOICES_KEY = 'tabChoices';
export const ACCOUNTS_KEY = 'accounts';
export const SUBSCRIPTIONS_KEY = 'subscriptions';
export const TERMINAL_GRANTS_KEY = 'terminalGrants';

/** A list under `key`; items that do not pass `isItem` (an older or damaged entry) are dropped. */
export function listStore<T>(
  area: Pick<Storage.StorageArea, 'get' | 'set'>,
  key: string,
  isItem: (value: unknown) => value is T,
): ListStore<T> {
  const inTurn = queue();
  const load = async (): Promise<T[]> => {
    const raw = (await area.get(key))[key];
    return Array.isArray(raw) ? raw.filter(isItem) : [];
  };
  return {
    load,
    update: (change) =>
      inTurn(async () => {
        const items = await load();
        const next = change(items);
        if (next === items) return false;
        await area.set({ [key]: next });
        return true;
      }),
  };
}

export type ApiTabStore = ListStore<ApiTab>;
export const apiTabStore = (area: Pick<Storage.StorageArea, 'get' | 'set'>): ApiTabStore =>
  listStore(area, API_TABS_KEY, isApiTab);
export const tabChoiceStore = (area: Pick<Storage.StorageArea, 'get' | 'set'>): ListStore<TabChoice> =>
  listStore(area, TAB_CHOICES_KEY, isTabChoice);
export const accountStore = (area: Pick<Storage.StorageArea, 'get' | 'set'>): ListStore<ExtraAccount> =>
  listStore(area, ACCOUNTS_KEY, isExtraAccount);
export const subscriptionStore = (area: Pick<Storage.StorageArea, 'get' | 'set'>): ListStore<Subscription> =>
  listStore(area, SUBSCRIPTIONS_KEY, isSubscription);
/** Terminal access (core/terminal.ts), in storage.session: a browser that closes ends it all. */
export const terminalGrantStore = (
  area: Pick<Storage.StorageArea, 'get' | 'set'>,
): ListStore<TerminalGrant> => listStore(area, TERMINAL_GRANTS_KEY, isTerminalGrant);
