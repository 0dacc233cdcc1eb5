// The background's one way through: an event (a message, an alarm, a tab, a response, a worker
// start) → a workflow that changes what is stored → exactly one reconciliation (reconciler.ts:
// read → plan → apply → publish) → what the plan says is due next. Everything the background needs
// is in storage, so the browser may stop it at any moment; every start reconciles and carries on.
// The workflows: token-workflow.ts (sign-in, refresh, 401), subscription-workflow.ts,
// sync.ts (the user's profiles through the browser's sync), account-book.ts (accounts and tabs),
// terminal-workflow.ts (the token for the user's terminal).
import { currentSession, REFRESH_ALARM } from '../core/plan.js';
import type { Profile } from '../core/profile.js';
import type { ProfilesInForce, StoredProfile } from '../core/profiles.js';
import type { ObservedRequest } from '../core/rules.js';
import type { Session } from '../core/session.js';
import { SUBSCRIPTION_ALARM, type Subscription } from '../core/subscriptions.js';
import type { AppState } from '../core/view.js';
import { AccountBook } from './account-book.js';
import type { Platform } from './platform.js';
import type { ProfileStore } from './profile-store.js';
import { Reconciler } from './reconciler.js';
import { SubscriptionWorkflow } from './subscription-workflow.js';
import { ProfileSync } from './sync.js';
import { TerminalWorkflow } from './terminal-workflow.js';
import type { SignedIn, TokenServiceDeps } from './token-service.js';
import { TokenWorkflow } from './token-workflow.js';

/** What a change may write: the records the user's actions change. */
export type Stores = Pick<
  Platform,
  'profiles' | 'sessions' | 'accounts' | 'tabChoices' | 'apiTabs' | 'subscriptions' | 'terminalGrants'
>;

export class Controller {
  private readonly reconciler: Reconciler;
  private readonly tokens: TokenWorkflow;
  private readonly subscriptions: SubscriptionWorkflow;
  private readonly book: AccountBook;
  private readonly terminal: TerminalWorkflow;
  /** The user's own profiles through the browser's sync storage, where the user turned it on. */
  readonly profileSync: ProfileSync;
  readonly tokenDeps: TokenServiceDeps;

  constructor(private readonly platform: Platform) {
    const { fetch, now, webAuthFlow, discovered } = platform;
    this.tokenDeps = {
      fetch,
      now,
      webAuthFlow,
      onDiscovered: (issuer, endpoints, tokenEndpoint) =>
        discovered.save(issuer, { endpoints, ...(tokenEndpoint ? { tokenEndpoint } : {}) }),
    };
    this.book = new AccountBook({ ...platform, inForce: () => this.profiles() });
    this.profileSync = new ProfileSync({
      ...platform.syncAreas,
      profiles: platform.profiles,
      now: platform.now,
      newId: platform.newId,
      forgetSignIns: (id) => this.book.forgetSignIns(id),
      signOut: (profileId, reason) =>
        this.book.updateSessionsOf(profileId, (session) =>
          session?.tokens ? { failures: 0, error: reason } : session,
        ),
    });
    this.terminal = new TerminalWorkflow({
      ...platform,
      profiles: () => this.profiles(),
      accountEntry: (key) => this.book.accountEntry(key),
      session: (key, profile) => this.session(key, profile),
      refresh: (key) => this.tokens.refresh(key),
      showProgress: () => this.reconciler.showProgress(),
    });
    this.reconciler = new Reconciler(platform, {
      inProgress: () => ({ refreshing: this.tokens.refreshing, signingIn: this.tokens.signingIn }),
      emptyTrash: () => this.book.emptyTrash(),
      syncSettings: () => this.profileSync.settings(),
      terminalView: () => this.terminal.view(),
    });
    this.tokens = new TokenWorkflow(
      { ...platform, tokenDeps: this.tokenDeps },
      {
        reconcile: () => this.reconcile(),
        showProgress: () => this.reconciler.showProgress(),
        handOff: (key, tokens) => this.reconciler.handOff(key, tokens),
        accountEntry: (key) => this.book.accountEntry(key),
        session: (key, profile) => this.session(key, profile),
        activeTokens: () => this.reconciler.activeTokens(),
      },
    );
    this.subscriptions = new SubscriptionWorkflow({
      ...platform,
      forgetSignIns: (id) => this.book.forgetSignIns(id),
    });
  }

  // ---- the one way through -----------------------------------------------------------------

  /**
   * A change the user made: `change` writes what it changes, through `stores`; the user's own
   * profiles, if it changed them, go to sync (where it is on); then one reconciliation, whose
   * state is the answer.
   */
  async commit(change: (stores: Stores) => Promise<unknown>): Promise<AppState> {
    let profilesChanged = false;
    const profiles: ProfileStore = {
      ...this.platform.profiles,
      save: async (list) => {
        profilesChanged = true;
        await this.platform.profiles.save(list);
      },
    };
    await change({ ...this.platform, profiles });
    if (profilesChanged) await this.profileSync.run();
    return this.reconcile();
  }

  /** Reconciles, then starts what its plan says is due: refreshes, subscription checks. */
  async reconcile(): Promise<AppState> {
    const { state, plan } = await this.reconciler.pass();
    void this.updatePolicyCopy();
    // The bridge to the terminal is open exactly while terminal access is on for some profile.
    void this.terminal.apply(plan.terminal).catch(() => undefined);
    // Each ends in a reconciliation of its own, which queues behind this one.
    for (const key of plan.due) void this.tokens.refresh(key, { onlyIfDue: true });
    for (const id of plan.dueSubscriptions) void this.checkSubscription(id, { onlyIfDue: true });
    return state;
  }

  /** The state the pages see, without changing anything. */
  state(): Promise<AppState> {
    return this.reconciler.state();
  }

  /** The organization's profiles, the subscriptions', and the user's, as they apply now. */
  async profiles(): Promise<ProfilesInForce> {
    return (await this.reconciler.readProfiles()).inForce;
  }

  /** One profile's session as it counts now (a stale one reads as signed out). */
  async session(id: string, profile: Profile): Promise<Session> {
    return currentSession(profile, await this.platform.sessions.get(id));
  }

  /** Syncs the user's own profiles (another browser changed them); reconciles what arrived. */
  async syncProfiles(): Promise<void> {
    if (await this.profileSync.run()) await this.reconcile();
  }

  /**
   * Chromium's storage.managed can take seconds to answer: the plan, the pages and the terminal
   * bridge work from the last copy of the policy; a change reconciles.
   */
  private async updatePolicyCopy(): Promise<void> {
    const { platform } = this;
    const [file, terminal] = await Promise.all([
      platform.policyFile().catch(() => undefined),
      platform.policyAllowsTerminal().catch(() => true),
    ]);
    const [fileCopy, terminalCopy] = await Promise.all([
      platform.policyCopy.load(),
      platform.terminalPolicyCopy.load(),
    ]);
    if (JSON.stringify(file) === JSON.stringify(fileCopy) && terminal === terminalCopy) return;
    await platform.policyCopy.save(file);
    await platform.terminalPolicyCopy.save(terminal);
    await this.reconcile();
  }

  // ---- events --------------------------------------------------------------------------------

  /** An alarm: an account's refresh is due, a subscription's check, or a token's end. */
  async onAlarm(name: string): Promise<void> {
    if (name.startsWith(REFRESH_ALARM))
      await this.tokens.refresh(name.slice(REFRESH_ALARM.length), { onlyIfDue: true });
    else if (name.startsWith(SUBSCRIPTION_ALARM))
      await this.checkSubscription(name.slice(SUBSCRIPTION_ALARM.length), { onlyIfDue: true });
    else await this.reconcile();
  }

  /** A response the browser saw on a profile's host: a 401 may refresh (token-workflow.ts). */
  onResponse(request: ObservedRequest, status: number): Promise<void> {
    return this.tokens.onResponse(request, status);
  }

  /** A tab closed: its API-tab rule and its account choices go with it. */
  async onTabClosed(tabId: number): Promise<void> {
    if (await this.book.tabClosed(tabId)) await this.reconcile();
  }

  /**
   * A tab opened from another (`window.open`, a link to a new tab): it uses the accounts its
   * opener uses. Before its page asks for anything in practice: the browser reports the tab when
   * it creates it, and its first request to the API comes from its page once that has loaded.
   */
  async onTabOpened(tabId: number, openerTabId: number | undefined): Promise<void> {
    if (openerTabId !== undefined && (await this.book.tabOpened(tabId, openerTabId))) await this.reconcile();
  }

  /**
   * A tab the page in `sourceTabId` opened, as the browser's navigation events report it
   * (webNavigation.onCreatedNavigationTarget): it uses what that tab uses, and nothing a guess
   * from `tabs.onCreated` gave it (Chromium may name the tab in front as the opener).
   */
  async onTabOpenedBy(sourceTabId: number, tabId: number): Promise<void> {
    if (await this.book.tabOpenedBy(sourceTabId, tabId)) await this.reconcile();
  }

  /**
   * A tab navigated: an API tab that left its profile's hosts loses its rule. A tab that uses
   * another account gets its badge again once its page loaded (Firefox resets it on navigation).
   */
  async onTabNavigated(tabId: number, url: string | undefined, loaded = false): Promise<void> {
    const outcome = await this.book.tabNavigated(tabId, url, loaded);
    if (outcome === 'left') await this.reconcile();
    else if (outcome === 'uses-account') await this.reconciler.showProgress();
  }

  // ---- the workflows, as the messages start them ---------------------------------------------

  /** The profile and account an account key names, while both exist. */
  accountEntry(key: string): Promise<StoredProfile | undefined> {
    return this.book.accountEntry(key);
  }

  /** Refreshes one account's token, or joins the refresh in flight. */
  refresh(key: string, options?: { onlyIfDue?: boolean }): Promise<void> {
    return this.tokens.refresh(key, options);
  }

  /** Signs an account in with `attempt`; the state after, or the reason it failed. */
  signIn(
    key: string,
    profile: Profile,
    attempt: () => Promise<SignedIn>,
    options: { keepError: boolean },
  ): Promise<AppState> {
    return this.tokens.signIn(key, profile, attempt, options);
  }

  /** Forgets the last removed profile and its sign-ins. */
  emptyTrash(): Promise<void> {
    return this.book.emptyTrash();
  }

  /** Signs every account of a profile out, and forgets the accounts the user added to it. */
  forgetSignIns(profileId: string): Promise<void> {
    return this.book.forgetSignIns(profileId);
  }

  /** Subscribes to a team's file and checks it at once; false when the name is taken. */
  async subscribe(subscription: Subscription): Promise<boolean> {
    if (!(await this.subscriptions.add(subscription))) return false;
    await this.checkSubscription(subscription.id);
    return true;
  }

  /** Fetches a subscription's file (subscription-workflow.ts), then reconciles. */
  async checkSubscription(id: string, options?: { onlyIfDue?: boolean }): Promise<void> {
    await this.subscriptions.check(id, options);
    await this.reconcile();
  }

  /** The user's answer to a subscription's waiting update; then one reconciliation. */
  async settleSubscriptionUpdate(
    id: string,
    answer: { discard?: boolean; digest?: string },
  ): Promise<AppState> {
    await this.subscriptions.settle(id, answer);
    return this.reconcile();
  }

  async unsubscribe(id: string): Promise<AppState> {
    await this.subscriptions.unsubscribe(id);
    return this.reconcile();
  }
}
