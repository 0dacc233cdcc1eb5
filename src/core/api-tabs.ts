// The tabs the user opened a profile's API in ("Open in a tab"), and how a navigation changes
// them. Pure: the list is kept in storage.session by the background (src/background/api-tabs.ts).
import type { StoredProfile } from './profiles.js';
import { matchesHosts } from './rules.js';

export interface ApiTab {
  readonly tabId: number;
  readonly profileId: string;
  /**
   * Whether the tab has shown the profile's hosts yet. Before, it is still opening (a blank
   * page, the extension's own page), and leaving is not yet possible.
   */
  readonly reachedHosts?: boolean;
}

export const isApiTab = (value: unknown): value is ApiTab =>
  typeof value === 'object' &&
  value !== null &&
  Number.isInteger((value as ApiTab).tabId) &&
  typeof (value as ApiTab).profileId === 'string' &&
  ['undefined', 'boolean'].includes(typeof (value as ApiTab).reachedHosts);

/** The ids of the tabs opened for one profile. */
export const tabIdsOf = (tabs: readonly ApiTab[], profileId: string): number[] =>
  tabs.filter((tab) => tab.profileId === profileId).map((tab) => tab.tabId);

/** The list with `tabId` opened for `profileId` (replacing what that tab was opened for). */
export const withApiTab = (tabs: readonly ApiTab[], tabId: number, profileId: string): ApiTab[] => [
  ...tabs.filter((tab) => tab.tabId !== tabId),
  { tabId, profileId },
];

/** The list without `tabId`; the same list when it was not in it. */
export const withoutApiTab = (tabs: readonly ApiTab[], tabId: number): readonly ApiTab[] =>
  tabs.some((tab) => tab.tabId === tabId) ? tabs.filter((tab) => tab.tabId !== tabId) : tabs;

/**
 * A tab navigated to `url` (undefined for a site the extension has no access to). An API tab
 * keeps its rule while it shows the profile's hosts; once it has shown them and leaves, it is an
 * ordinary tab again, so a site opened later in it cannot send it back to the API with the token.
 * Until it first shows them, the tab is still opening. The same list when nothing changes.
 */
export function afterNavigation(
  tabs: readonly ApiTab[],
  tabId: number,
  url: string | undefined,
  profiles: readonly StoredProfile[],
): readonly ApiTab[] {
  const entry = tabs.find((tab) => tab.tabId === tabId);
  if (!entry) return tabs;
  const profile = profiles.find((p) => p.id === entry.profileId)?.profile;
  if (profile && url !== undefined && matchesHosts(profile, url)) {
    return entry.reachedHosts
      ? tabs
      : tabs.map((tab) => (tab === entry ? { ...tab, reachedHosts: true } : tab));
  }
  if (profile && !entry.reachedHosts) return tabs;
  return tabs.filter((tab) => tab !== entry);
}
