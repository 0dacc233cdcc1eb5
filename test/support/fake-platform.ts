// The background's platform in memory, for unit tests of the controller: the adapter edge, and
// strict (a storage call it does not expect throws). Storage areas log each call, in order.
import { Controller } from '../../src/background/controller.js';
import { type Handlers, messageHandlers } from '../../src/background/handlers.js';
import {
  accountStore,
  apiTabStore,
  subscriptionStore,
  tabChoiceStore,
  terminalGrantStore,
} from '../../src/background/list-store.js';
import {
  checkedFileStore,
  discoveryStore,
  policyCopyStore,
  terminalPolicyCopy,
} from '../../src/background/local-stores.js';
import type { Diagnostics, NativeBridge, Platform } from '../../src/background/platform.js';
import { profileStore } from '../../src/background/profile-store.js';
import { encryptedSessionStore } from '../../src/background/session-store.js';
import { wakesFor } from '../../src/core/response-listeners.js';
import type { HeaderRule } from '../../src/core/rules.js';
import type { Badge } from '../../src/core/session.js';
import type { AppState } from '../../src/messages/protocol.js';
import { setValue } from './plan-fixtures.js';

export const testKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
  'encrypt',
  'decrypt',
]);
/** The build the fake platform's profile store says it is (the build writes a digest). */
export const BUILD = 'this-build';

/** `whole`: storage.sync's use, which reads every item at once (get(null)) and removes several. */
export function strictStorageArea(log: string[], { whole = false } = {}) {
  const data = new Map<string, unknown>();
  return {
    data,
    async get(key: unknown) {
      if (whole && key === null) return structuredClone(Object.fromEntries(data));
      const keys = typeof key === 'string' ? [key] : key;
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
        throw new Error(`unexpected storage.get(${JSON.stringify(key)})`);
      log.push(`get ${keys.join(' ')}`);
      return structuredClone(
        Object.fromEntries(keys.filter((k) => data.has(k)).map((k) => [k, data.get(k)])),
      );
    },
    async set(items: Record<string, unknown>) {
      log.push(`set ${Object.keys(items).join(' ')}`);
      for (const [k, v] of Object.entries(items)) data.set(k, structuredClone(v));
    },
    async remove(key: unknown) {
      if (whole && Array.isArray(key)) for (const k of key) data.delete(String(k));
      else if (typeof key !== 'string') throw new Error(`unexpected storage.remove(${JSON.stringify(key)})`);
      else data.delete(key);
    },
  };
}

export class FakePlatform implements Platform {
  clock = Date.now();
  rules: HeaderRule[] = [];
  readonly alarmMap = new Map<string, number>();

  /** Storage reads and writes and rule updates, in order. */
  readonly log: string[] = [];
  readonly area = strictStorageArea(this.log, { whole: true });
  badge: Badge | undefined;
  ids = 0;
  readonly now = () => this.clock;
  /** `*.test` names reach the local test API, as the browsers' host-resolver rules make them. */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    fetch(String(input).replace(/^(https?:\/\/)[a-z0-9.-]+\.test(?=[:/])/, '$1127.0.0.1'), init);
  readonly newId = () => `id-${++this.ids}`;
  readonly profiles = profileStore(this.area, async () => testKey, BUILD);
  readonly sessions = encryptedSessionStore(this.area, async () => testKey);
  /** What the rules were built from, kept as long as they are (storage.session in the browser). */
  rulesSet: { inputs: string; count: number } | undefined;
  readonly setRules = async (rules: HeaderRule[], inputs: string) => {
    this.log.push(`rules ${(rules[0] && setValue(rules[0])) ?? 'none'}`);
    this.rules = structuredClone(rules);
    this.rulesSet = inputs ? { inputs, count: rules.length } : undefined;
  };
  readonly rulesBuiltFrom = async (inputs: string) =>
    this.rulesSet?.inputs === inputs ? this.rulesSet.count : undefined;
  readonly alarms = {
    set: async (name: string, when: number) => {
      this.alarmMap.set(name, when);
    },
    clear: async (name: string) => {
      this.alarmMap.delete(name);
    },
    all: async () => [...this.alarmMap].map(([name, scheduledTime]) => ({ name, scheduledTime })),
  };
  readonly grantedOrigins = async () => ['<all_urls>'];
  /** What the background last published to the pages. */
  published: AppState | undefined;
  diagnostics: Diagnostics | undefined;
  /** The badges of the tabs that use another account. */
  tabBadges = new Map<number, Badge>();
  readonly publish = async (
    state: AppState,
    badge: Badge,
    diagnostics: Diagnostics,
    tabBadges: ReadonlyMap<number, Badge>,
  ) => {
    this.published = structuredClone(state);
    this.badge = badge;
    this.diagnostics = diagnostics;
    this.tabBadges = new Map(tabBadges);
  };
  readonly policyCopy = policyCopyStore(this.area);
  readonly checkedFiles = checkedFileStore(this.area, BUILD);
  readonly discovered = discoveryStore(this.area);
  managedFile: unknown;
  readonly policyFile = async () => this.managedFile;
  readonly notifications: string[] = [];
  readonly notify = async (key: string, title: string, message: string) => {
    this.notifications.push(`${key} ${title}: ${message}`);
  };
  /** storage.session: where the API tabs live. */
  readonly sessionArea = strictStorageArea(this.log);
  readonly apiTabs = apiTabStore(this.sessionArea);
  readonly tabChoices = tabChoiceStore(this.sessionArea);
  readonly accounts = accountStore(this.area);
  readonly subscriptions = subscriptionStore(this.area);
  readonly terminalGrants = terminalGrantStore(this.sessionArea);
  /** The policy's `terminalAccess` (undefined: no policy). */
  terminalPolicy: boolean | undefined;
  readonly policyAllowsTerminal = async () => this.terminalPolicy !== false;
  readonly terminalPolicyCopy = terminalPolicyCopy(this.area);
  /** The native port: whether it is open, and what it was asked (a test plays the host). */
  readonly native = {
    permitted: true,
    open: false,
    /** A host that is not installed: the port closes at once with this reason. */
    missingHost: undefined as string | undefined,
    answer: undefined as ((request: unknown) => Promise<unknown>) | undefined,
  };
  readonly nativeBridge: NativeBridge = {
    permitted: async () => this.native.permitted,
    isOpen: () => this.native.open,
    open: (answer, closed) => {
      if (this.native.missingHost !== undefined) return closed(this.native.missingHost);
      this.native.open = true;
      this.native.answer = answer;
    },
    close: () => {
      this.native.open = false;
      this.native.answer = undefined;
    },
  };
  /** storage.local and storage.sync, as one browser sees them (a test may share the second). */
  syncAreas = { local: this.area, sync: strictStorageArea(this.log, { whole: true }) };
  /** The tabs open in the browser. */
  readonly openTabs = new Set<number>([1, 2, 3]);
  readonly tabExists = async (tabId: number) => this.openTabs.has(tabId);
  /** Tabs opened with "Open in a tab": their id, the URL, and the rules when the URL was asked for. */
  readonly openedTabs: Array<{ tabId: number; url: string; rulesBeforeLoad: HeaderRule[] }> = [];
  readonly openTab = async (url: string, beforeLoad: (tabId: number) => Promise<void>) => {
    const tabId = 100 + this.openedTabs.length;
    await beforeLoad(tabId);
    this.openedTabs.push({ tabId, url, rulesBeforeLoad: structuredClone(this.rules) });
  };
  /** The hosts whose responses the browser would report now (the 401 reaction's listener). */
  observedHosts: readonly string[] = ['<all_urls>'];
  get observing(): boolean {
    return this.observedHosts.length > 0;
  }
  /** The hosts a 401 may have to wake the background for, as the controller last said. */
  wakeHosts: readonly string[] = [];
  /**
   * What a stopped background is woken for: `undefined` as in Chromium (its listeners as they are
   * now), a list as in Firefox (what the event page listened to from its start).
   */
  hostsAtStart: readonly string[] | undefined;
  readonly observeResponses = ({ now, wake }: { now: readonly string[]; wake: readonly string[] }) => {
    this.observedHosts = now;
    this.wakeHosts = wake;
    return this.hostsAtStart === undefined || wakesFor(this.hostsAtStart, wake);
  };
  readonly webAuthFlow = {
    redirectUrl: () => 'https://extension.example/',
    launch: async (): Promise<string> => {
      throw new Error('unexpected web-auth flow in this test');
    },
  };
}

/** The background as its entry point builds it: the controller and the message handlers over it. */
export function background(platform: Platform): Controller & { handlers: Handlers } {
  const controller = new Controller(platform);
  return Object.assign(controller, { handlers: messageHandlers(controller, platform) });
}
