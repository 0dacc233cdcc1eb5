// The tabs the user opened a profile's API in ("Open in a tab"), in storage.session: they live
// as long as the browser session, as tabs do, and survive the background being stopped.
import type { Storage } from '../platform/browser.js';

export interface ApiTab {
  readonly tabId: number;
  readonly profileId: string;
  /**
   * Whether the tab has shown the profile's hosts yet. Before, it is still opening (a blank
   * page, the extension's own page), and leaving is not yet possible.
   */
  readonly reachedHosts?: boolean;
}

export interface ApiTabStore {
  load(): Promise<ApiTab[]>;
  save(tabs: readonly ApiTab[]): Promise<void>;
}

export const API_TABS_KEY = 'apiTabs';

/** The ids of the tabs opened for one profile. */
export const tabIdsOf = (tabs: readonly ApiTab[], profileId: string): number[] =>
  tabs.filter((tab) => tab.profileId === profileId).map((tab) => tab.tabId);

const isApiTab = (value: unknown): value is ApiTab =>
  typeof value === 'object' &&
  value !== null &&
  Number.isInteger((value as ApiTab).tabId) &&
  typeof (value as ApiTab).profileId === 'string' &&
  ['undefined', 'boolean'].includes(typeof (value as ApiTab).reachedHosts);

export function apiTabStore(area: Pick<Storage.StorageArea, 'get' | 'set'>): ApiTabStore {
  return {
    async load() {
      const raw = (await area.get(API_TABS_KEY))[API_TABS_KEY];
      return Array.isArray(raw) ? raw.filter(isApiTab) : [];
    },
    async save(tabs) {
      await area.set({ [API_TABS_KEY]: tabs });
    },
  };
}
