// The background's one way through: every event (a message, an alarm, a tab, a response, a
// worker start) changes what is stored, then reconciles: read → plan (src/core/plan.ts, pure) →
// apply (rules, alarms) → publish (pages, badge). Everything it needs is in storage, so the
// browser may stop it at any moment; every start reconciles and carries on. What lives only here
// is what must not run twice at once: the reconciliation, a profile's refresh, its session writes.
import {
  accountKey,
  accountsOf,
  type ExtraAccount,
  inherited,
  openedFrom,
  parseAccountKey,
  standingChoices,
  type TabChoice,
} from '../core/accounts.js';
import { type ApiTab, afterNavigation, withoutApiTab } from '../core/api-tabs.js';
import { authFingerprint, canRenew, issuerOf } from '../core/auth-requests.js';
import { sha256Hex, stableJson } from '../core/json.js';
import { originsFor, uncoveredOrigins } from '../core/permissions.js';
import {
  alarmChanges,
  currentSession,
  nextAttemptAt,
  type Plan,
  plan,
  REFRESH_ALARM,
  refreshesFor401,
  responseHosts,
  trashExpired,
  wakeHosts,
} from '../core/plan.js';
import { type Profile, type ProfileFile, parseProfileFile, type Validated } from '../core/profile.js';
import { type ProfilesInForce, profilesInForce, type StoredProfile } from '../core/profiles.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { withListenAlarm } from '../core/response-listeners.js';
import type { ObservedRequest } from '../core/rules.js';
import { afterRefresh, type RefreshResult, type Session, SIGNED_OUT, signedIn } from '../core/session.js';
import {
  type FetchedFile,
  nextCheckAt,
  removedBy,
  rollbackProblem,
  SUBSCRIPTION_ALARM,
  type Subscription,
  subscriptionProfileId,
  subscriptionProfiles,
  updatePreview,
} from '../core/subscriptions.js';
import { waitingView } from '../core/sync.js';
import { t } from '../core/text.js';
import { appState, badgeOf, badgesOfTabs } from '../core/view.js';
import type { AppState } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { AppliedRules } from './applied-rules.js';
import type { Platform } from './platform.js';
import { type Queue, queue } from './queue.js';
import { fetchSubscription, SubscriptionError } from './subscriptions.js';
import { ProfileSync } from './sync.js';
import { TokenRequestError } from './token-client.js';
import { renew, type SignedIn, type TokenServiceDeps } from './token-service.js';

/** Alarms may fire a little early; a refresh within this of its due time counts as due. */
const DUE_TOLERANCE_MS = 1_000;

/** What one reconciliation reads. */
interface Stored {
  readonly now: number;
  readonly profiles: StoredProfile[];
  readonly managedProblems: string[];
  readonly extras: ExtraAccount[];
  /** By account key. */
  readonly sessions: Map<string, Session>;
  readonly apiTabs: ApiTab[];
  readonly choices: TabChoice[];
  readonly subscriptions: Subscription[];
  /** The host permissions the browser has granted (match patterns). */
  readonly granted: readonly string[];
}

/** A profile file's text, as the policy or a subscription holds it (none: nothing to validate). */
const isFileText = (value: unknown): value is string => typeof value === 'string' && value !== '';

export class Controller {
  /** Refreshes in flight, one per account (by key): a second trigger joins the first. */
  private readonly refreshes = new Map<string, Promise<void>>();
  /** Accounts (by key) whose sign-in (the provider's page, a grant) is in progress. */
  private readonly signingIn = new Set<string>();
  /** Tokens a 401 already made us refresh: one forced refresh per token. */
  private readonly forcedBy401 = new Set<string>();
  private readonly rules: AppliedRules;
  /** Reconciliations, and the hand-off of a refreshed token, run one after another. */
  private readonly inTurn = queue();
  /** The reconciliation running now, if one is. */
  private reconciling: Promise<AppState> | undefined;
  /** Subscription checks, one at a time: two would both store their outcome. */
  private readonly subscriptionTurn: Queue = queue();

  /** The user's own profiles through the browser's sync storage, where the user turned it on. */
  readonly profileSync: ProfileSync;

  constructor(private readonly platform: Platform) {
    this.rules = new AppliedRules(platform);
    this.profileSync = new ProfileSync({
      ...platform.syncAreas,
      profiles: platform.profiles,
      now: platform.now,
      newId: platform.newId,
      forgetSignIns: (id) => this.forgetSignIns(id),
      signOut: (profileId, reason) =>
        this.updateSessionsOf(profileId, (session) =>
          session?.tokens ? { failures: 0, error: reason } : session,
        ),
    });
  }

  /** Syncs the user's own profiles (one changed here or in sync); reconciles what arrived. */
  async syncProfiles(): Promise<void> {
    if (await this.profileSync.run()) await this.reconcile();
  }

  get tokenDeps(): TokenServiceDeps {
    const { fetch, now, webAuthFlow, discovered } = this.platform;
    return {
      fetch,
      now,
      webAuthFlow,
      onDiscovered: (issuer, endpoints, tokenEndpoint) =>
        discovered.save(issuer, { endpoints, ...(tokenEndpoint ? { tokenEndpoint } : {}) }),
    };
  }

  // ---- the one way through -----------------------------------------------------------------

  /** Rebuilds rules and alarms from storage, publishes the state, and starts the refreshes due. */
  reconcile(): Promise<AppState> {
    const run: Promise<AppState> = this.inChain(async () => {
      this.reconciling = run;
      const started = performance.now();
      // Read alongside the rest: only this reconciliation changes alarms or the trash.
      const trashRead = this.platform.profiles.loadTrash();
      const alarmsRead = this.platform.alarms.all();
      // Awaited below; a failed read() before then must not leave them unhandled.
      for (const pending of [trashRead, alarmsRead]) pending.catch(() => undefined);
      const stored = await this.read();
      const read = performance.now();
      const planned = this.plan(stored);
      const planDone = performance.now();
      for (const { key, profile } of planned.stale) {
        await this.platform.sessions.update(key, (current) => currentSession(profile, current));
      }
      // A choice of an account that is gone: its tab uses the default account again.
      if (planned.choices !== stored.choices) {
        await this.platform.tabChoices.update((choices) => standingChoices(choices, stored.extras));
      }
      // A tab opened for a profile that no longer holds a token is an ordinary tab from now on.
      // (By profile: a tab "Open in a tab" adds meanwhile, for a profile with a token, stays.)
      if (planned.apiTabs !== stored.apiTabs) {
        await this.platform.apiTabs.update((tabs) =>
          tabs.filter((tab) => planned.active.some((a) => a.id === tab.profileId)),
        );
      }
      const trash = await trashRead;
      if (trash && trashExpired(trash.removedAt, stored.now)) await this.emptyTrash();
      await this.rules.apply(planned.active, planned.guards);
      const woken = this.platform.observeResponses({
        now: responseHosts(planned.active),
        wake: wakeHosts(stored.profiles),
      });
      const existing = await alarmsRead;
      const alarms = withListenAlarm(planned.alarms, !woken, existing, stored.now);
      const { clear, set } = alarmChanges(existing, alarms);
      for (const name of clear) await this.platform.alarms.clear(name);
      for (const [name, when] of set) await this.platform.alarms.set(name, when);
      const state = await this.publish(stored, planned, started, {
        read,
        planDone,
        applied: performance.now(),
      });
      void this.updatePolicyCopy();
      // Started after this reconciliation, so the refresh's own one queues behind it.
      for (const id of planned.due) void this.refresh(id, { onlyIfDue: true });
      for (const id of planned.dueSubscriptions) void this.checkSubscription(id, { onlyIfDue: true });
      return state;
    });
    run
      .finally(() => {
        if (this.reconciling === run) this.reconciling = undefined;
      })
      .catch(() => undefined);
    return run;
  }

  /**
   * The state the pages see, without changing anything. A reconciliation under way (a start that
   * a page's question woke, a change) is about to publish it: the answer is its state, rather
   * than a second read of everything beside it.
   */
  async state(): Promise<AppState> {
    const running = this.reconciling;
    if (running) {
      try {
        return await running;
      } catch {
        // It failed (it says why on the console): the state as stored, read here.
      }
    }
    const stored = await this.read();
    return this.view(stored, this.plan(stored));
  }

  /** Publishes work in progress (signing in, refreshing): nothing else changed. */
  private showProgress(): Promise<AppState> {
    return this.inChain(async () => {
      const stored = await this.read();
      return this.publish(stored, this.plan(stored), performance.now());
    });
  }

  /** Runs `step` in turn; a failure goes to its caller and to the console. */
  private inChain<T>(step: () => Promise<T>): Promise<T> {
    const run = this.inTurn(step);
    run.catch((error) => console.error('AutoBearer: reconciliation failed', (error as Error).message));
    return run;
  }

  /** The organization's profiles, the subscriptions', and the user's, as they apply now. */
  async profiles(): Promise<ProfilesInForce> {
    return (await this.readProfiles()).inForce;
  }

  /** The profiles in force, and the subscriptions some of them come from. */
  private async readProfiles(): Promise<{ inForce: ProfilesInForce; subscriptions: Subscription[] }> {
    // Independent reads, asked together: each costs the browser a round trip.
    const [subscriptions, policyFile, own, checked] = await Promise.all([
      this.platform.subscriptions.load(),
      this.platform.policyCopy.load(),
      this.platform.profiles.load(),
      this.platform.checkedFiles.load(),
    ]);
    // The policy's and the subscriptions' files: validated once per text and build (the user's own
    // profiles are, when stored), and read from that copy after. Validation needs the list.
    const texts = [...new Set([policyFile, ...subscriptions.map((s) => s.current?.text)].filter(isFileText))];
    const digests = new Map(
      await Promise.all(texts.map(async (text) => [text, await sha256Hex(text)] as const)),
    );
    const copies = new Map<string, ProfileFile>();
    for (const [text, digest] of digests) if (checked[digest]) copies.set(text, checked[digest]);
    if (copies.size < texts.length || subscriptions.some((s) => s.pending)) await publicSuffixListReady();
    let validatedNow = false;
    const parse = (text: string): Validated<ProfileFile> => {
      const copy = copies.get(text);
      if (copy) return { ok: true, value: copy };
      const parsed = parseProfileFile(text);
      if (parsed.ok) {
        copies.set(text, parsed.value);
        validatedNow = true;
      }
      return parsed;
    };
    const subscribed = subscriptions.flatMap((subscription) => subscriptionProfiles(subscription, parse));
    const inForce = profilesInForce(policyFile, own, subscribed, parse);
    // The copies of the files in use now, and of nothing else: a replaced file's copy goes.
    if (validatedNow) {
      const files = Object.fromEntries([...copies].map(([text, file]) => [digests.get(text), file]));
      void this.platform.checkedFiles.save(files).catch(() => undefined);
    }
    return { inForce, subscriptions };
  }

  /** One profile's session as it counts now (a stale one reads as signed out). */
  async session(id: string, profile: Profile): Promise<Session> {
    return currentSession(profile, await this.platform.sessions.get(id));
  }

  private async read(): Promise<Stored> {
    const [{ inForce, subscriptions }, extras, apiTabs, choices, granted, storedSessions] = await Promise.all(
      [
        this.readProfiles(),
        this.platform.accounts.load(),
        this.platform.apiTabs.load(),
        this.platform.tabChoices.load(),
        this.platform.grantedOrigins(),
        this.platform.sessions.all(),
      ],
    );
    const { profiles, problems } = inForce;
    const keys = profiles.flatMap(({ id }) =>
      accountsOf(extras, id).map((accountId) => accountKey(id, accountId)),
    );
    const sessions = new Map(keys.map((key) => [key, storedSessions.get(key) ?? SIGNED_OUT]));
    return {
      subscriptions,
      granted,
      now: this.platform.now(),
      profiles,
      managedProblems: problems,
      extras,
      sessions,
      apiTabs,
      choices,
    };
  }

  private plan(stored: Stored): Plan {
    return plan({ ...stored, refreshing: new Set(this.refreshes.keys()), signingIn: this.signingIn });
  }

  private async view(stored: Stored, planned: Plan): Promise<AppState> {
    const [discovered, { enabled, last, waiting }] = await Promise.all([
      this.platform.discovered.load(),
      this.profileSync.settings(),
    ]);
    const wanted = new Map(
      stored.profiles.map(({ id, profile }) => [
        id,
        originsFor(profile, discovered[issuerOf(profile.auth) ?? '']?.tokenEndpoint),
      ]),
    );
    const missing = new Set(uncoveredOrigins(stored.granted, [...new Set([...wanted.values()].flat())]));
    const origins = new Map(
      [...wanted].map(([id, all]) => [id, { all, missing: all.filter((origin) => missing.has(origin)) }]),
    );
    const own = stored.profiles
      .filter((entry) => !entry.managed && !entry.subscription)
      .map(({ id, profile }) => ({ profile, signedIn: !!planned.sessions.get(id)?.tokens }));
    const waits = waiting ? waitingView(waiting, own) : [];
    const sync = { enabled, ...(last ? { last } : {}), ...(waits.length ? { waiting: waits } : {}) };
    return appState(planned, { ...stored, discovered, origins, ruleFailures: this.rules.failures, sync });
  }

  /** `at`: when a reconciliation's steps ended (performance.now()), for the diagnostics. */
  private async publish(
    stored: Stored,
    planned: Plan,
    started: number,
    at?: { read: number; planDone: number; applied: number },
  ): Promise<AppState> {
    const state = await this.view(stored, planned);
    const ms = (from: number, to: number) => Math.round((to - from) * 10) / 10;
    const viewed = performance.now();
    const phases = at && {
      read: ms(started, at.read),
      plan: ms(at.read, at.planDone),
      apply: ms(at.planDone, at.applied),
      view: ms(at.applied, viewed),
    };
    const diagnostics = {
      reconciledAt: stored.now,
      reconcileMs: ms(started, viewed),
      rules: this.rules.count,
      ...(phases ? { phases } : {}),
    };
    const badge = badgeOf(state);
    await this.platform.publish(state, badge, diagnostics, badgesOfTabs(state, badge));
    return state;
  }

  /** Chromium's storage.managed can take seconds to answer: the plan works from the last copy. */
  private async updatePolicyCopy(): Promise<void> {
    const current = await this.platform.policyFile().catch(() => undefined);
    if (JSON.stringify(current) === JSON.stringify(await this.platform.policyCopy.load())) return;
    await this.platform.policyCopy.save(current);
    await this.reconcile();
  }

  // ---- events --------------------------------------------------------------------------------

  /** An alarm: an account's refresh is due (`refresh:KEY`), or a token's end (`drop:KEY`). */
  async onAlarm(name: string): Promise<void> {
    if (name.startsWith(REFRESH_ALARM))
      await this.refresh(name.slice(REFRESH_ALARM.length), { onlyIfDue: true });
    else if (name.startsWith(SUBSCRIPTION_ALARM))
      await this.checkSubscription(name.slice(SUBSCRIPTION_ALARM.length), { onlyIfDue: true });
    else await this.reconcile();
  }

  /**
   * A response the browser saw on a profile's host. A 401 to a request that carried a token that
   * is not brand new means the server no longer takes it: refresh at once (one at a time, as
   * ever) and resolve when that is done. Only observed, never blocking.
   */
  async onResponse(request: ObservedRequest, status: number): Promise<void> {
    if (status !== 401) return;
    // What the rules carry, as this worker set them; a worker the 401 just woke reads storage.
    const active = this.rules.current ?? this.plan(await this.read()).active;
    const forced = refreshesFor401(active, request, this.platform.now(), this.forcedBy401);
    for (const { accessToken } of forced) this.forcedBy401.add(accessToken);
    await Promise.all(forced.map(({ id }) => this.refresh(id)));
  }

  /** A tab closed: its API-tab rule and its account choices go with it. */
  async onTabClosed(tabId: number): Promise<void> {
    const wasApiTab = await this.platform.apiTabs.update((tabs) => withoutApiTab(tabs, tabId));
    const hadChoice = await this.platform.tabChoices.update((choices) =>
      choices.some((c) => c.tabId === tabId) ? choices.filter((c) => c.tabId !== tabId) : choices,
    );
    if (wasApiTab || hadChoice) await this.reconcile();
  }

  /**
   * A tab opened from another (`window.open`, a link to a new tab): it uses the accounts its
   * opener uses. Before its page asks for anything in practice: the browser reports the tab when
   * it creates it, and its first request to the API comes from its page once that has loaded.
   */
  async onTabOpened(tabId: number, openerTabId: number | undefined): Promise<void> {
    if (openerTabId === undefined) return;
    const changed = await this.platform.tabChoices.update((choices) =>
      choices.some((c) => c.tabId === openerTabId) ? inherited(choices, openerTabId, tabId) : choices,
    );
    if (changed) await this.reconcile();
  }

  /**
   * A tab the page in `sourceTabId` opened, as the browser's navigation events report it
   * (webNavigation.onCreatedNavigationTarget): it uses what that tab uses, and nothing a guess
   * from `tabs.onCreated` gave it (Chromium may name the tab in front as the opener).
   */
  async onTabOpenedBy(sourceTabId: number, tabId: number): Promise<void> {
    const changed = await this.platform.tabChoices.update((choices) => {
      const next = openedFrom(choices, sourceTabId, tabId);
      return stableJson(next) === stableJson(choices) ? choices : next;
    });
    if (changed) await this.reconcile();
  }

  /**
   * A tab navigated: an API tab that left its profile's hosts loses its rule. A tab that uses
   * another account gets its badge again once its page loaded: Firefox resets a tab's badge
   * when the tab navigates.
   */
  async onTabNavigated(tabId: number, url: string | undefined, loaded = false): Promise<void> {
    const { profiles } = await this.profiles();
    let left = false;
    await this.platform.apiTabs.update((tabs) => {
      const next = afterNavigation(tabs, tabId, url, profiles);
      left = next.length < tabs.length;
      return next;
    });
    if (left) await this.reconcile();
    else if (loaded && (await this.platform.tabChoices.load()).some((c) => c.tabId === tabId))
      await this.showProgress();
  }

  // ---- what must not run twice at once -------------------------------------------------------

  /**
   * The profile and the account an account key names, while both exist: an alarm or a message
   * may come for an account that was removed meanwhile.
   */
  async accountEntry(key: string): Promise<StoredProfile | undefined> {
    const { profileId, accountId } = parseAccountKey(key);
    const entry = (await this.profiles()).profiles.find((p) => p.id === profileId);
    if (!entry) return undefined;
    return accountsOf(await this.platform.accounts.load(), profileId).includes(accountId) ? entry : undefined;
  }

  /**
   * Refreshes one account's token (`id`: its key), unless a refresh for it is already in flight
   * (then joins it). `onlyIfDue` (alarms, worker starts) skips a token that a refresh a moment
   * ago already renewed.
   */
  refresh(id: string, { onlyIfDue = false } = {}): Promise<void> {
    const running = this.refreshes.get(id);
    if (running) return running;
    const run = (async () => {
      let attempted = false;
      try {
        attempted = await this.refreshOnce(id, onlyIfDue);
      } finally {
        this.refreshes.delete(id); // before the reconciliation, so that it publishes the outcome
      }
      if (attempted) await this.reconcile();
    })();
    this.refreshes.set(id, run);
    return run;
  }

  /** The refresh itself; says whether it asked the server. */
  private async refreshOnce(id: string, onlyIfDue: boolean): Promise<boolean> {
    const entry = await this.accountEntry(id);
    if (!entry?.profile.enabled) return false;
    const session = await this.session(id, entry.profile);
    const old = session.tokens;
    const now = this.platform.now();
    if (!old || !canRenew(entry.profile.auth, old)) return false;
    if (onlyIfDue && now < nextAttemptAt(entry.profile, session, now) - DUE_TOLERANCE_MS) return false;
    await this.showProgress();
    let result: RefreshResult;
    try {
      result = { ok: true, ...(await renew(entry.profile, old, this.tokenDeps, session.subject)) };
    } catch (error) {
      const { kind, message } =
        error instanceof TokenRequestError
          ? error
          : { kind: 'invalid-answer', message: (error as Error).message };
      result = { ok: false, transient: kind === 'transient', message };
    }
    // A sign-out or a new sign-in while the request was in flight wins: its session no longer
    // holds the token this refresh started from, and the answer is dropped.
    let before: Session | undefined;
    let after: Session | undefined;
    await this.platform.sessions.update(id, (current) => {
      before = current;
      after = afterRefresh(current, old, result, result.ok ? now : this.platform.now());
      return after;
    });
    if (after === before) return true;
    // Requests wait on this hand-off: the new token goes into the rules at once, in the chain so
    // no older reconciliation can put the old one back. A failure is left to the next reconciliation.
    if (result.ok) await this.inChain(() => this.rules.withToken(id, result.tokens)).catch(() => {});
    // Only a sign-out this refusal caused is news: not one the user made while it was in flight.
    else if (!after?.tokens) {
      const title = t('notificationTitle', entry.profile.name);
      await this.platform
        .notify(`signed-out:${id}`, title, t('notificationBody', result.message))
        .catch(() => {});
    }
    return true;
  }

  /**
   * Signs an account (`id`: its key) in with `attempt` and stores the tokens, or the reason it
   * failed where the popup shows it.
   */
  async signIn(
    id: string,
    profile: Profile,
    attempt: () => Promise<SignedIn>,
    { keepError }: { keepError: boolean },
  ): Promise<AppState> {
    this.signingIn.add(id);
    let failure: unknown;
    try {
      await this.showProgress();
      const { tokens, username, subject } = await attempt();
      await this.platform.sessions.update(id, () =>
        signedIn(tokens, username, authFingerprint(profile.auth), subject),
      );
    } catch (error) {
      failure = error;
      if (error instanceof TokenRequestError) {
        failure = new UserError(t('signInFailed', error.message));
        // The provider's window takes the focus and closes the popup: keep the reason for its next opening.
        if (keepError)
          await this.platform.sessions.update(id, (current) => ({
            ...current,
            error: (failure as Error).message,
          }));
      }
    } finally {
      this.signingIn.delete(id);
    }
    const state = await this.reconcile();
    if (failure) throw failure;
    return state;
  }

  /** Forgets the last removed profile and its sign-ins. */
  async emptyTrash(): Promise<void> {
    const trash = await this.platform.profiles.loadTrash();
    if (!trash) return;
    await this.platform.profiles.saveTrash(undefined);
    const stillListed = (await this.platform.profiles.load()).some((e) => e.id === trash.entry.id);
    if (!stillListed) await this.forgetSignIns(trash.entry.id);
  }

  /** Signs every account of a profile out, and forgets the accounts the user added to it. */
  async forgetSignIns(profileId: string): Promise<void> {
    await this.updateSessionsOf(profileId, () => undefined);
    await this.platform.accounts.update((list) =>
      list.some((a) => a.profileId === profileId) ? list.filter((a) => a.profileId !== profileId) : list,
    );
  }

  /** Changes the session of every account of a profile. */
  private async updateSessionsOf(
    profileId: string,
    change: (session: Session | undefined) => Session | undefined,
  ): Promise<void> {
    const extras = await this.platform.accounts.load();
    for (const accountId of accountsOf(extras, profileId))
      await this.platform.sessions.update(accountKey(profileId, accountId), change);
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  /** Changes one stored subscription; false when it is gone. */
  private async updateSubscription(id: string, change: (s: Subscription) => Subscription): Promise<boolean> {
    let found = false;
    await this.platform.subscriptions.update((list) =>
      list.map((s) => {
        if (s.id !== id) return s;
        found = true;
        return change(s);
      }),
    );
    return found;
  }

  /**
   * Fetches a subscription's file. An update that only narrows (fewer hosts, pages, profiles)
   * applies at once; one that widens where a token or a secret goes, and the first file, wait for
   * the user (`acceptSubscriptionUpdate`). A refused or unreachable file changes nothing but the
   * last check's reason: the file in force stays.
   */
  checkSubscription(id: string, { onlyIfDue = false } = {}): Promise<void> {
    return this.subscriptionTurn(async () => {
      const subscription = (await this.platform.subscriptions.load()).find((s) => s.id === id);
      if (!subscription) return;
      const now = this.platform.now();
      // Alarms may fire a little early; a check a moment ago (another trigger) makes this one moot.
      if (onlyIfDue && now < nextCheckAt(subscription, now) - DUE_TOLERANCE_MS) return;
      let outcome: Subscription;
      try {
        const fetched = await fetchSubscription(subscription, this.platform);
        outcome = { ...subscription, lastCheck: { at: now, ok: true } };
        if (fetched.kind === 'file') {
          const rollback = rollbackProblem(subscription, fetched.file);
          if (rollback) throw new SubscriptionError(t('subscriptionRefused', rollback));
          // Whether it widens does not depend on who is signed in (only what the page shows does).
          const { widening } = updatePreview(subscription, fetched.file, () => false);
          if (subscription.current && widening.length === 0) {
            await this.forgetRemoved(subscription, fetched.file);
            const { pending: _none, ...rest } = outcome;
            outcome = { ...rest, current: fetched.file };
          } else outcome = { ...outcome, pending: fetched.file };
        }
      } catch (error) {
        if (!(error instanceof SubscriptionError)) throw error;
        outcome = { ...subscription, lastCheck: { at: now, ok: false, message: error.message } };
      }
      await this.updateSubscription(id, () => outcome);
    }).then(() => this.reconcile().then(() => undefined));
  }

  /**
   * The waiting update becomes the file in force, if it is still the one the user saw (`digest`;
   * a check meanwhile may have replaced it); `discard` drops it instead.
   */
  async settleSubscriptionUpdate(
    id: string,
    { discard = false, digest }: { discard?: boolean; digest?: string } = {},
  ): Promise<void> {
    await this.subscriptionTurn(async () => {
      await publicSuffixListReady();
      const subscription = (await this.platform.subscriptions.load()).find((s) => s.id === id);
      if (!subscription) throw new UserError(t('subscriptionGone'));
      const { pending, ...rest } = subscription;
      if (!pending) throw new UserError(t('nothingWaits'));
      if (!discard && (pending.digest ?? '') !== digest) throw new UserError(t('subscriptionUpdateChanged'));
      if (!discard) await this.forgetRemoved(subscription, pending);
      await this.updateSubscription(id, () => (discard ? rest : { ...rest, current: pending }));
    });
  }

  /** Removes a subscription, and its profiles' sign-ins. */
  async unsubscribe(id: string): Promise<void> {
    await this.subscriptionTurn(async () => {
      await publicSuffixListReady();
      const subscription = (await this.platform.subscriptions.load()).find((s) => s.id === id);
      if (!subscription) return;
      await this.platform.subscriptions.update((list) => list.filter((s) => s.id !== id));
      for (const { profile } of subscriptionProfiles(subscription))
        await this.forgetSignIns(subscriptionProfileId(id, profile.name));
    });
  }

  private async forgetRemoved(subscription: Subscription, file: FetchedFile): Promise<void> {
    for (const profileId of removedBy(subscription, file)) await this.forgetSignIns(profileId);
  }
}
