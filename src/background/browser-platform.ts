// The Platform the controller runs on in a real browser: thin adapters over browser.*, fetch,
// the clock and IndexedDB.

import { browser, type Runtime } from '../browser-api/browser.js';
import { tokenKey } from '../browser-api/secret-store.js';
import {
  ALL_URLS,
  CHROMIUM_WAKES_NARROWED_LISTENERS,
  chromiumMajor,
  type ListenerMemory,
  listenersAtStart,
  parseListenerMemory,
  wakesFor,
  workerListenerHosts,
} from '../core/response-listeners.js';
import type { HeaderRule } from '../core/rules.js';
import type { Badge } from '../core/session.js';
import { NATIVE_HOST } from '../core/terminal.js';
import { t } from '../core/text.js';
import { type AppState, PUBLISHED_STATE_KEY } from '../messages/protocol.js';
import { keptListenerCleanup, type NumberedListeners } from './chromium-kept-listeners.js';
import {
  accountStore,
  apiTabStore,
  subscriptionStore,
  tabChoiceStore,
  terminalGrantStore,
} from './list-store.js';
import { checkedFileStore, discoveryStore, policyCopyStore, terminalPolicyCopy } from './local-stores.js';
import type { Diagnostics, NativeBridge, Platform } from './platform.js';
import { profileStore } from './profile-store.js';
import { encryptedSessionStore } from './session-store.js';

/** The ids of the session rules this worker set; read from the browser when first needed. */
let ruleIds: number[] | undefined;

/**
 * What the session rules were built from (a digest of core/rules.ts's ruleInputs) and how many
 * there are, in storage.session, which lives exactly as long as the rules do (until the browser
 * or the extension restarts): a start of the background whose rules are those already set leaves
 * them alone, rather than building hundreds of rules to replace them with the same.
 */
const RULES_SET_KEY = 'rulesSet';
interface RulesSet {
  inputs: string;
  count: number;
}
let recordStored: boolean | undefined;

async function rulesBuiltFrom(inputs: string): Promise<number | undefined> {
  const stored = (await browser.storage.session.get(RULES_SET_KEY))[RULES_SET_KEY] as RulesSet | undefined;
  recordStored = stored !== undefined;
  return stored?.inputs === inputs ? stored.count : undefined;
}

async function setRules(rules: HeaderRule[], inputs: string): Promise<void> {
  ruleIds ??= (await browser.declarativeNetRequest.getSessionRules()).map((rule) => rule.id);
  // Gone while the rules change: a background stopped in between replaces them at its start.
  if (recordStored !== false) await browser.storage.session.remove(RULES_SET_KEY);
  recordStored = false;
  // One call removes the old rules and adds the new: the switch to a new token is atomic.
  const existing = ruleIds;
  ruleIds = undefined; // unknown until the call succeeds
  await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: existing, addRules: rules });
  ruleIds = rules.map((rule) => rule.id);
  if (!inputs) return; // a step of a fallback (applied-rules.ts): never taken for a finished set
  await browser.storage.session.set({ [RULES_SET_KEY]: { inputs, count: rules.length } satisfies RulesSet });
  recordStored = true;
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
type ResponseListener = Parameters<typeof browser.webRequest.onCompleted.addListener>[0];

/**
 * The response listeners registered now, by their hosts (a list, joined): one for the hosts the
 * reconciliation names; at a start, those the start chose (core/response-listeners.ts).
 */
const listeners = new Map<string, ResponseListener>();

/** Chromium's major version in a service worker; none in Firefox's event page. */
const chromium = chromiumMajor(navigator.userAgent);

/**
 * How listeners are added and removed: as they are, but in Chromium before 156, where a listener
 * a worker's life added later stays registered after it (chromium-kept-listeners.ts).
 */
let registration: NumberedListeners | undefined;
function listenerRegistration(): NumberedListeners {
  const { onCompleted } = browser.webRequest;
  registration ??=
    chromium !== undefined && chromium < CHROMIUM_WAKES_NARROWED_LISTENERS
      ? keptListenerCleanup(onCompleted, browser.storage.local)
      : {
          add: (listener, filter) => onCompleted.addListener(listener, filter),
          remove: (listener) => onCompleted.removeListener(listener),
        };
  return registration;
}

function listenTo(hostLists: readonly (readonly string[])[], onResponse: ResponseListener): void {
  const onCompleted = listenerRegistration();
  const wanted = new Map(
    hostLists.filter((hosts) => hosts.length > 0).map((hosts) => [hosts.join(' '), hosts]),
  );
  for (const [key, listener] of listeners) {
    if (wanted.has(key)) continue;
    onCompleted.remove(listener);
    listeners.delete(key);
  }
  for (const [key, hosts] of wanted) {
    if (listeners.has(key)) continue;
    // Its own function: a browser keeps one registration per function. A response that two
    // listeners hear (at a start) comes twice: the controller refreshes a token for a 401 once.
    const listener: ResponseListener = (details) => onResponse(details);
    onCompleted.add(listener, { urls: [...hosts], types: RESPONSE_TYPES });
    listeners.set(key, listener);
  }
}

/** Where the memory for the next start is kept: an event page's localStorage (a worker has none). */
const LISTENER_MEMORY_KEY = 'responseListeners';
const pageStorage = typeof localStorage === 'undefined' ? undefined : localStorage;
let memory: ListenerMemory = {};
/** What this start listens to; a stopped page is woken for these only (Firefox). */
let hostsAtStart: readonly string[] = [ALL_URLS];

function remember(next: ListenerMemory): void {
  const text = JSON.stringify(next);
  if (text !== JSON.stringify(memory)) pageStorage?.setItem(LISTENER_MEMORY_KEY, text);
  memory = next;
}

/**
 * Registers, synchronously, the response listeners this start chose (core/response-listeners.ts):
 * every host in a service worker, which Chromium wakes for its listeners as they are now; in
 * an event page (Firefox) those the last reconciliation wanted, read from localStorage.
 */
function listenFromStart(onResponse: ResponseListener): void {
  if (pageStorage) {
    const start = listenersAtStart(parseListenerMemory(pageStorage.getItem(LISTENER_MEMORY_KEY)));
    hostsAtStart = start.listeners.flat();
    remember(start.memory);
    listenTo(start.listeners, onResponse);
  } else {
    listenTo([hostsAtStart], onResponse);
  }
}

/** The port to the `autobearer` host, while terminal access is on (platform.ts, NativeBridge). */
let nativePort: Runtime.Port | undefined;
const nativeBridge: NativeBridge = {
  permitted: () => browser.permissions.contains({ permissions: ['nativeMessaging'] }),
  isOpen: () => nativePort !== undefined,
  open: (answer, closed) => {
    if (nativePort) return;
    // Present once the optional permission is granted.
    if (!browser.runtime.connectNative) return closed(t('terminalNeedsPermission'));
    const port = browser.runtime.connectNative(NATIVE_HOST);
    nativePort = port;
    port.onMessage.addListener((message: unknown) => {
      const { id, request } = (message ?? {}) as { id?: unknown; request?: unknown };
      if (typeof id !== 'number') return; // the host's "ready"
      void answer(request).then((reply) => port.postMessage({ id, answer: reply }));
    });
    port.onDisconnect.addListener((gone) => {
      if (nativePort === port) nativePort = undefined;
      closed((gone.error ?? browser.runtime.lastError)?.message);
    });
  },
  close: () => {
    const port = nativePort;
    nativePort = undefined;
    port?.disconnect();
  },
};

/**
 * `onResponse`: where the responses go (of the hosts `observeResponses` names). Called once, at
 * top level, at every start: it registers the response listeners this start listens to.
 */
/** This build's identity: a digest of its sources and data, written in by the build (webpack.config.ts). */
declare const BUILD_ID: string;

export function browserPlatform(onResponse: ResponseListener): Platform {
  listenFromStart(onResponse);
  return {
    now: () => Date.now(),
    fetch: (input, init) => fetch(input, init),
    newId: () => crypto.randomUUID(),
    profiles: profileStore(browser.storage.local, tokenKey, BUILD_ID),
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
    checkedFiles: checkedFileStore(browser.storage.local, BUILD_ID),
    discovered: discoveryStore(browser.storage.local),
    // Firefox throws where no policy configures the extension: that is "no managed profiles".
    policyFile: async () => (await browser.storage.managed.get('profileFile')).profileFile,
    terminalGrants: terminalGrantStore(browser.storage.session),
    // Only an explicit `false` turns it off (no policy: the user decides).
    policyAllowsTerminal: () =>
      browser.storage.managed.get('terminalAccess').then(
        (items) => items.terminalAccess !== false,
        () => true,
      ),
    terminalPolicyCopy: terminalPolicyCopy(browser.storage.local),
    nativeBridge,
    observeResponses: ({ now, wake }) => {
      if (!pageStorage) {
        // The start's listener (every host) keeps its key, and so stays the one registered.
        listenTo([workerListenerHosts({ now, wake }, chromium)], onResponse);
        return true;
      }
      listenTo([now], onResponse);
      remember({ ...memory, wanted: [...wake] });
      return wakesFor(hostsAtStart, wake);
    },
    setRules,
    rulesBuiltFrom,
    alarms: {
      set: async (name, when) => {
        await browser.alarms.create(name, { when });
      },
      clear: async (name) => {
        await browser.alarms.clear(name);
      },
      all: () => browser.alarms.getAll(),
    },
    grantedOrigins: async () => (await browser.permissions.getAll()).origins ?? [],
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
