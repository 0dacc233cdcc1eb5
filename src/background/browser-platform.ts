// The Platform the controller runs on in a real browser: thin adapters over browser.*, fetch,
// the clock and IndexedDB.
import type { HeaderRule } from '../core/rules.js';
import type { Badge } from '../core/session.js';
import { t } from '../core/text.js';
import { type AppState, PUBLISHED_STATE_KEY } from '../messages/protocol.js';
import { browser } from '../platform/browser.js';
import { tokenKey } from '../platform/secret-store.js';
import { accountStore, apiTabStore, subscriptionStore, tabChoiceStore } from './list-store.js';
import { discoveryStore, policyCopyStore } from './local-stores.js';
import type { Diagnostics, Platform } from './platform.js';
import { profileStore } from './profile-store.js';
import { encryptedSessionStore } from './session-store.js';

/** The ids of the session rules this worker set; read from the browser once per worker life. */
let ruleIds: number[] | undefined;

async function setRules(rules: HeaderRule[]): Promise<void> {
  const existing = ruleIds ?? (await browser.declarativeNetRequest.getSessionRules()).map((rule) => rule.id);
  // One call removes the old rules and adds the new: the switch to a new token is atomic.
  ruleIds = undefined; // unknown until the call succeeds
  await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: existing, addRules: rules });
  ruleIds = rules.map((rule) => rule.id);
}

async function missingOrigins(origins: string[]): Promise<string[]> {
  const granted = await Promise.all(
    origins.map((origin) => browser.permissions.contains({ origins: [origin] })),
  );
  return origins.filter((_, i) => !granted[i]);
}

/** The tabs given a badge of their own, in storage.session: a later worker clears them. */
const TAB_BADGES_KEY = 'tabBadges';

/** The open pages follow storage.session's changes; the badge says the same at a glance. */
async function publish(
  state: AppState,
  badge: Badge,
  diagnostics: Diagnostics,
  tabBadges: ReadonlyMap<number, Badge>,
): Promise<void> {
  await browser.storage.session.set({ [PUBLISHED_STATE_KEY]: state, diagnostics });
  await browser.action.setBadgeText({ text: badge.text });
  await browser.action.setBadgeBackgroundColor({ color: badge.color });
  await browser.action.setTitle({ title: badge.title });
  const before = ((await browser.storage.session.get(TAB_BADGES_KEY))[TAB_BADGES_KEY] ?? []) as number[];
  // A tab that went back to the default account shows the global badge again (null: no tab value).
  for (const tabId of before.filter((id) => !tabBadges.has(id))) await showTabBadge(tabId, undefined);
  for (const [tabId, tabBadge] of tabBadges) await showTabBadge(tabId, tabBadge);
  if (before.length || tabBadges.size)
    await browser.storage.session.set({ [TAB_BADGES_KEY]: [...tabBadges.keys()] });
}

/** One tab's own badge; a tab closed meanwhile is no error. */
async function showTabBadge(tabId: number, badge: Badge | undefined): Promise<void> {
  const nothing = null as unknown as string; // both browsers take null for "the global value"
  try {
    await browser.action.setBadgeText({ tabId, text: badge?.text ?? nothing });
    await browser.action.setBadgeBackgroundColor({ tabId, color: badge?.color ?? nothing });
    await browser.action.setTitle({ tabId, title: badge?.title ?? nothing });
  } catch {
    // No such tab any more.
  }
}

/** The responses the 401 reaction looks at: requests from pages, and navigations. */
const RESPONSE_TYPES: Array<'xmlhttprequest' | 'main_frame' | 'sub_frame' | 'other'> = [
  'xmlhttprequest',
  'main_frame',
  'sub_frame',
  'other',
];
/** The hosts whose responses the listener hears now ('' while it is not listening). */
let observedHosts = '';

type ResponseListener = Parameters<typeof browser.webRequest.onCompleted.addListener>[0];

/** `onResponse`: where the API's responses go while `observeResponses(true)`. */
export function browserPlatform(onResponse: ResponseListener): Platform {
  return {
    now: () => Date.now(),
    fetch: (input, init) => fetch(input, init),
    newId: () => crypto.randomUUID(),
    profiles: profileStore(browser.storage.local, tokenKey),
    sessions: encryptedSessionStore(browser.storage.local, tokenKey),
    apiTabs: apiTabStore(browser.storage.session),
    accounts: accountStore(browser.storage.local),
    tabChoices: tabChoiceStore(browser.storage.session),
    subscriptions: subscriptionStore(browser.storage.local),
    syncAreas: { local: browser.storage.local, sync: browser.storage.sync },
    tabExists: (tabId) =>
      browser.tabs.get(tabId).then(
        () => true,
        () => false,
      ),
    policyCopy: policyCopyStore(browser.storage.local),
    discovered: discoveryStore(browser.storage.local),
    // Firefox throws where no policy configures the extension: that is "no managed profiles".
    policyFile: async () => (await browser.storage.managed.get('profileFile')).profileFile,
    observeResponses: (hosts) => {
      const { onCompleted } = browser.webRequest;
      const filter = hosts.join(' ');
      if (filter === observedHosts) return;
      if (observedHosts) onCompleted.removeListener(onResponse);
      if (filter) onCompleted.addListener(onResponse, { urls: [...hosts], types: RESPONSE_TYPES });
      observedHosts = filter;
    },
    setRules,
    alarms: {
      set: async (name, when) => {
        await browser.alarms.create(name, { when });
      },
      clear: async (name) => {
        await browser.alarms.clear(name);
      },
      all: () => browser.alarms.getAll(),
    },
    missingOrigins,
    publish,
    notify: async (key, title, message) => {
      await browser.notifications.create(key, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('icons/icon-128.png'),
        title,
        message,
      });
    },
    openTab: async (url, beforeLoad) => {
      // The tab starts on the extension's own "Opening…" page, so that its rule is set before it
      // asks for the API; the background ignores that page when it watches the tab navigate.
      const tab = await browser.tabs.create({ url: browser.runtime.getURL('opening.html') });
      if (tab.id === undefined) throw new Error('the browser opened no tab');
      await beforeLoad(tab.id);
      await browser.tabs.update(tab.id, { url });
    },
    webAuthFlow: {
      redirectUrl: () => browser.identity.getRedirectURL(),
      launch: async (url, { interactive } = { interactive: true }) => {
        const redirected = await browser.identity.launchWebAuthFlow({ url, interactive });
        if (!redirected) throw new Error(t('noAnswerFromWindow'));
        return redirected;
      },
    },
  };
}
