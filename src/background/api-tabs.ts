// The API tabs ("Open in a tab") in storage.session: they live as long as the browser session,
// as tabs do, and survive the background being stopped.
import { type ApiTab, isApiTab } from '../core/api-tabs.js';
import type { Storage } from '../platform/browser.js';
import { queue } from './queue.js';

export interface ApiTabStore {
  load(): Promise<ApiTab[]>;
  /**
   * Changes the list, one change at a time: the tab events (a load and a close in the same
   * moment), "Open in a tab" and the reconciliation each read and write it. `change` returns the
   * same list when it changes nothing; the result says whether it changed anything.
   */
  update(change: (tabs: readonly ApiTab[]) => readonly ApiTab[]): Promise<boolean>;
}

export const API_TABS_KEY = 'apiTabs';

export function apiTabStore(area: Pick<Storage.StorageArea, 'get' | 'set'>): ApiTabStore {
  const inTurn = queue();
  const load = async (): Promise<ApiTab[]> => {
    const raw = (await area.get(API_TABS_KEY))[API_TABS_KEY];
    return Array.isArray(raw) ? raw.filter(isApiTab) : [];
  };
  return {
    load,
    update: (change) =>
      inTurn(async () => {
        const tabs = await load();
        const next = change(tabs);
        if (next === tabs) return false;
        await area.set({ [API_TABS_KEY]: next });
        return true;
      }),
  };
}
