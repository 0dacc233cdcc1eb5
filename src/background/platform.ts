// The port the background's logic runs on: storage, rules, alarms, tabs and the network, as the
// controller needs them. browser-platform.ts adapts it to a real browser; unit tests to memory.

import type { Storage } from '../browser-api/browser.js';
import type { ExtraAccount, TabChoice } from '../core/accounts.js';
import type { HeaderRule } from '../core/rules.js';
import type { Badge } from '../core/session.js';
import type { Subscription } from '../core/subscriptions.js';
import type { TerminalGrant } from '../core/terminal.js';
import type { AppState } from '../messages/protocol.js';
import type { ApiTabStore, ListStore } from './list-store.js';
import type {
  CheckedFileStore,
  DiscoveryStore,
  PolicyCopyStore,
  TerminalPolicyCopy,
} from './local-stores.js';
import type { WebAuthFlow } from './oauth.js';
import type { ProfileStore } from './profile-store.js';
import type { SessionStore } from './session-store.js';

/** What the last reconciliation did and how long it took: for "is it working?" and the benchmarks. */
export interface Diagnostics {
  readonly reconciledAt: number;
  readonly reconcileMs: number;
  readonly rules: number;
  /**
   * Where a reconciliation's time went (ms): reading storage (and unsealing the tokens), the
   * plan, applying rules and alarms, and building the pages' view. Absent for a pass that only
   * shows progress.
   */
  readonly phases?: {
    readonly read: number;
    readonly plan: number;
    readonly apply: number;
    readonly view: number;
  };
}

export interface Platform {
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly newId: () => string;
  readonly profiles: ProfileStore;
  readonly sessions: SessionStore;
  /** The tabs the user opened a profile's API in. */
  readonly apiTabs: ApiTabStore;
  /** The accounts the user added to profiles, and the tabs that use one. */
  readonly accounts: ListStore<ExtraAccount>;
  readonly tabChoices: ListStore<TabChoice>;
  /** storage.local and storage.sync, for syncing the user's own profiles (sync.ts). */
  readonly syncAreas: {
    readonly local: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>;
    readonly sync: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>;
  };
  /** The teams' profile files the user subscribed to, with the file in force of each. */
  readonly subscriptions: ListStore<Subscription>;
  /** Terminal access, per profile (core/terminal.ts): in storage.session. */
  readonly terminalGrants: ListStore<TerminalGrant>;
  /**
   * Whether the organization's policy lets the user turn terminal access on (`terminalAccess`),
   * read from storage.managed (slow in Chromium); `terminalPolicyCopy` is the last answer.
   */
  readonly policyAllowsTerminal: () => Promise<boolean>;
  readonly terminalPolicyCopy: TerminalPolicyCopy;
  /** The port to the `autobearer` host, open while terminal access is on. */
  readonly nativeBridge: NativeBridge;
  /** Whether a tab of this id is open. */
  readonly tabExists: (tabId: number) => Promise<boolean>;
  /** The last policy file read, kept because storage.managed can take seconds to answer. */
  readonly policyCopy: PolicyCopyStore;
  readonly checkedFiles: CheckedFileStore;
  readonly discovered: DiscoveryStore;
  /** The policy's `profileFile` (storage.managed), or undefined where there is no policy. */
  readonly policyFile: () => Promise<unknown>;
  /**
   * Replaces every session rule with these, atomically; `inputs` is a digest of what they were
   * built from (core/rules.ts, ruleInputs), kept for as long as the rules themselves.
   */
  readonly setRules: (rules: HeaderRule[], inputs: string) => Promise<void>;
  /** How many rules the browser holds, if they are the ones built from `inputs`; else undefined. */
  readonly rulesBuiltFrom: (inputs: string) => Promise<number | undefined>;
  readonly alarms: {
    readonly set: (name: string, when: number) => Promise<void>;
    readonly clear: (name: string) => Promise<void>;
    readonly all: () => Promise<Array<{ name: string; scheduledTime: number }>>;
  };
  /** The host permissions the browser has granted, as match patterns. */
  readonly grantedOrigins: () => Promise<string[]>;
  /**
   * Shows the state: to the open pages, and as the toolbar badge; `tabBadges` for the tabs that
   * use another account than the default (every other tab shows `badge`).
   */
  readonly publish: (
    state: AppState,
    badge: Badge,
    diagnostics: Diagnostics,
    tabBadges: ReadonlyMap<number, Badge>,
  ) => Promise<void>;
  readonly webAuthFlow: WebAuthFlow;
  /**
   * Tells the user something happened while they were not looking (a desktop notification).
   * `key` names it: a second one with the same key replaces the first.
   */
  readonly notify: (key: string, title: string, message: string) => Promise<void>;
  /**
   * Opens a new tab on `url`; `beforeLoad` runs once the tab exists and before it asks for
   * `url`, so the tab's rule is in place for its first request.
   */
  readonly openTab: (url: string, beforeLoad: (tabId: number) => Promise<void>) => Promise<void>;
  /**
   * The hosts (match patterns) whose responses the browser reports now, for the 401 reaction
   * (`now`; none for an empty list), and those a 401 may have to wake a stopped background for
   * (`wake`, kept for its next start). The background listens to the hosts its start chose
   * (`listenersAtStart`) until the first reconciliation says which. Answers whether a stopped
   * background is woken for all of `wake` already; if not (Firefox, until the page starts again,
   * see core/response-listeners.ts) the controller sets the listen alarm.
   */
  readonly observeResponses: (hosts: { now: readonly string[]; wake: readonly string[] }) => boolean;
}

/**
 * The native messaging port to the `autobearer` host (docs/terminal.md). The browser starts the
 * host when the port opens and stops it when it closes; an open port keeps the background awake,
 * so it is open only while terminal access is on for some profile.
 */
export interface NativeBridge {
  /** Whether the user granted the optional `nativeMessaging` permission. */
  readonly permitted: () => Promise<boolean>;
  /**
   * Opens the port, unless it is open: each request from the host goes to `answer`, whose answer
   * goes back; `closed` says why the port closed (the host is not installed, it stopped).
   */
  readonly open: (answer: (request: unknown) => Promise<unknown>, closed: (error?: string) => void) => void;
  readonly close: () => void;
  readonly isOpen: () => boolean;
}
