// What is kept per account and per tab beside the sessions: which accounts exist (a profile's own
// and those the user added), which tabs use which account, which tabs a profile's API was opened
// in. Each change here says whether it changed anything; the loop reconciles when it did.
import { accountKey, accountsOf, inherited, openedFrom, parseAccountKey } from '../core/accounts.js';
import { afterNavigation, withoutApiTab } from '../core/api-tabs.js';
import { stableJson } from '../core/json.js';
import type { ProfilesInForce, StoredProfile } from '../core/profiles.js';
import type { Session } from '../core/session.js';
import type { Platform } from './platform.js';

type Deps = Pick<Platform, 'accounts' | 'sessions' | 'apiTabs' | 'tabChoices' | 'profiles'> & {
  readonly inForce: () => Promise<ProfilesInForce>;
};

export class AccountBook {
  constructor(private readonly deps: Deps) {}

  /**
   * The profile and the account an account key names, while both exist: an alarm or a message
   * may come for an account that was removed meanwhile.
   */
  async accountEntry(key: string): Promise<StoredProfile | undefined> {
    const { profileId, accountId } = parseAccountKey(key);
    const entry = (await this.deps.inForce()).profiles.find((p) => p.id === profileId);
    if (!entry) return undefined;
    return accountsOf(await this.deps.accounts.load(), profileId).includes(accountId) ? entry : undefined;
  }

  /** Signs every account of a profile out, and forgets the accounts the user added to it. */
  async forgetSignIns(profileId: string): Promise<void> {
    await this.updateSessionsOf(profileId, () => undefined);
    await this.deps.accounts.update((list) =>
      list.some((a) => a.profileId === profileId) ? list.filter((a) => a.profileId !== profileId) : list,
    );
  }

  /** Changes the session of every account of a profile. */
  async updateSessionsOf(
    profileId: string,
    change: (session: Session | undefined) => Session | undefined,
  ): Promise<void> {
    const extras = await this.deps.accounts.load();
    for (const accountId of accountsOf(extras, profileId))
      await this.deps.sessions.update(accountKey(profileId, accountId), change);
  }

  /** Forgets the last removed profile and its sign-ins. */
  async emptyTrash(): Promise<void> {
    const { profiles } = this.deps;
    const trash = await profiles.loadTrash();
    if (!trash) return;
    await profiles.saveTrash(undefined);
    const stillListed = (await profiles.load()).some((e) => e.id === trash.entry.id);
    if (!stillListed) await this.forgetSignIns(trash.entry.id);
  }

  /** A tab closed: its API-tab rule and its account choices go with it. */
  async tabClosed(tabId: number): Promise<boolean> {
    const wasApiTab = await this.deps.apiTabs.update((tabs) => withoutApiTab(tabs, tabId));
    const hadChoice = await this.deps.tabChoices.update((choices) =>
      choices.some((c) => c.tabId === tabId) ? choices.filter((c) => c.tabId !== tabId) : choices,
    );
    return wasApiTab || hadChoice;
  }

  /** A tab opened from another: it uses the accounts its opener uses. */
  tabOpened(tabId: number, openerTabId: number): Promise<boolean> {
    return this.deps.tabChoices.update((choices) =>
      choices.some((c) => c.tabId === openerTabId) ? inherited(choices, openerTabId, tabId) : choices,
    );
  }

  /** A tab the page in `sourceTabId` opened: it uses what that tab uses, and nothing else. */
  tabOpenedBy(sourceTabId: number, tabId: number): Promise<boolean> {
    return this.deps.tabChoices.update((choices) => {
      const next = openedFrom(choices, sourceTabId, tabId);
      return stableJson(next) === stableJson(choices) ? choices : next;
    });
  }

  /**
   * A tab navigated: an API tab that left its profile's hosts loses its rule ('left'). A tab that
   * uses another account than the default and finished loading says so ('uses-account'): Firefox
   * resets a tab's badge when the tab navigates.
   */
  async tabNavigated(
    tabId: number,
    url: string | undefined,
    loaded: boolean,
  ): Promise<'left' | 'uses-account' | undefined> {
    const { profiles } = await this.deps.inForce();
    let left = false;
    await this.deps.apiTabs.update((tabs) => {
      const next = afterNavigation(tabs, tabId, url, profiles);
      left = next.length < tabs.length;
      return next;
    });
    if (left) return 'left';
    if (loaded && (await this.deps.tabChoices.load()).some((c) => c.tabId === tabId)) return 'uses-account';
    return undefined;
  }
}
