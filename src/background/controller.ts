// The background's logic: sign-in, refresh, sign-out, and the reconciliation that turns stored
// state into rules, alarms, status and badge. Everything it needs is in storage, so the browser
// may stop it at any moment; every start calls `sync()` and carries on.
import {
  authFingerprint,
  canRenew,
  issuerOf,
  plainHttpEndpoints,
  signInMethod,
} from '../core/auth-requests.js';
import { previewImport } from '../core/import-preview.js';
import { originsFor } from '../core/permissions.js';
import {
  hasClientSecret,
  keepClientSecret,
  type Profile,
  parseProfileFile,
  serializeProfileFile,
  validateProfile,
  withoutClientSecret,
} from '../core/profile.js';
import {
  buildRules,
  type HeaderRule,
  headerValue,
  matchesHosts,
  type ObservedRequest,
  rulesWouldMatch,
  tabUrlFor,
} from '../core/rules.js';
import { dropAt, refreshDueAt, retryAt, UNDO_MS } from '../core/schedule.js';
import {
  type Badge,
  badgeFor,
  isUsable,
  type PublicStatus,
  publicStatus,
  type Session,
  SIGNED_OUT,
} from '../core/session.js';
import { t } from '../core/text.js';
import { OAUTH_PATHS, parseTokenAnswer, TokenAnswerError, type Tokens } from '../core/token-answer.js';
import type { AppState, ProfileView, Protocol } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { type ApiTab, type ApiTabStore, tabIdsOf } from './api-tabs.js';
import type { WebAuthFlow } from './oauth.js';
import { managedProfiles, type ProfileStore, type StoredProfile } from './profile-store.js';
import type { SessionStore } from './session-store.js';
import { TokenRequestError } from './token-client.js';
import { renew, type SignedIn, signIn, type TokenServiceDeps } from './token-service.js';

export interface Platform {
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly newId: () => string;
  readonly profiles: ProfileStore;
  /** The policy's `profileFile` (storage.managed), or undefined where there is no policy. */
  readonly managedProfileFile: () => Promise<unknown>;
  readonly sessions: SessionStore;
  /** Replaces every session rule with these, atomically. */
  readonly setRules: (rules: HeaderRule[]) => Promise<void>;
  readonly alarms: {
    readonly set: (name: string, when: number) => Promise<void>;
    readonly clear: (name: string) => Promise<void>;
    readonly all: () => Promise<Array<{ name: string; scheduledTime: number }>>;
  };
  /** The match patterns among `origins` that the browser has not granted. */
  readonly missingOrigins: (origins: string[]) => Promise<string[]>;
  readonly setBadge: (badge: Badge) => Promise<void>;
  readonly webAuthFlow: WebAuthFlow;
  /** Tells the user something happened while they were not looking (a desktop notification). */
  /** `key` names the notification: a second one with the same key replaces the first. */
  readonly notify: (key: string, title: string, message: string) => Promise<void>;
  /** The tabs the user opened a profile's API in. */
  readonly apiTabs: ApiTabStore;
  /**
   * Opens a new tab on `url`; `beforeLoad` runs once the tab exists and before it asks for
   * `url`, so the tab's rule is in place for its first request.
   */
  readonly openTab: (url: string, beforeLoad: (tabId: number) => Promise<void>) => Promise<void>;
}

const REFRESH_ALARM = 'refresh:';
const DROP_ALARM = 'drop:';
/** Alarms may fire a little early; a refresh within this of its due time counts as due. */
const DUE_TOLERANCE_MS = 1_000;
/** A 401 refreshes only tokens older than this. */
export const UNAUTHORIZED_MIN_AGE_MS = 10_000;

/** A profile whose token the rules carry, and the tabs its API was opened in. */
interface ActiveToken {
  readonly id: string;
  readonly profile: Profile;
  readonly accessToken: string;
  readonly tabIds: readonly number[];
}

function canRefresh(profile: Profile, session: Session): boolean {
  return canRenew(profile.auth, session.tokens);
}

export class Controller {
  /** Refreshes in flight, one per profile: a second trigger joins the first. */
  private readonly inflight = new Map<string, Promise<void>>();
  /** Session writes per profile happen one after another. */
  private readonly sessionLocks = new Map<string, Promise<unknown>>();
  /** Tokens a 401 already made us refresh: one forced refresh per token. */
  private readonly refreshedOn401 = new Set<string>();
  /** Profiles whose sign-in (the provider's page, a grant) is in progress. */
  private readonly signingIn = new Set<string>();
  private syncChain: Promise<void> = Promise.resolve();
  /** API-tab changes, one after another (see updateApiTabs). */
  private apiTabsChain: Promise<unknown> = Promise.resolve();
  /** Why the browser refused a profile's rules at the last update, by profile id. */
  private readonly ruleFailures = new Map<string, string>();
  /** What the rules carry, as this worker last set them; `undefined` until its first sync. */
  private applied: { active: ActiveToken[]; rules: string } | undefined;

  constructor(private readonly platform: Platform) {}

  private get tokenDeps(): TokenServiceDeps {
    const { fetch, now, webAuthFlow, profiles } = this.platform;
    return {
      fetch,
      now,
      webAuthFlow,
      onDiscovered: (issuer, endpoints) => profiles.saveDiscovered(issuer, endpoints),
    };
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Rebuilds rules, alarms, status and badge from storage; refreshes what is due. */
  sync(): Promise<void> {
    return this.inSyncChain(() => this.syncNow(), 'sync failed');
  }

  /** Runs `step` after every earlier step of the chain; a failure is logged and the chain goes on. */
  private inSyncChain(step: () => Promise<void>, failure: string): Promise<void> {
    const run = this.syncChain.then(step);
    this.syncChain = run.catch((error) => console.error(`AutoBearer: ${failure}`, (error as Error).message));
    return run;
  }

  /**
   * A response the browser saw on a profile's host. A 401 to a request that carried the token (the
   * profile's rules matched it) and a token that is not brand new means the server no longer takes
   * it: refresh at once (one at a time, as ever), and resolve when that refresh is done. A 401 to
   * a request that never carried it (a foreign page's, the extension's own) says nothing about the
   * token. Only observed, never blocking.
   */
  async onResponse(request: ObservedRequest, status: number): Promise<void> {
    if (status !== 401) return;
    const now = this.platform.now();
    const apiTabs = await this.platform.apiTabs.load();
    const refreshes: Array<Promise<void>> = [];
    for (const { id, profile } of await this.allProfiles()) {
      const tabIds = tabIdsOf(apiTabs, id);
      if (!profile.enabled || !rulesWouldMatch(profile, request, tabIds)) continue;
      const session = await this.sessionFor(id, profile);
      const tokens = session.tokens;
      if (!tokens || !canRefresh(profile, session)) continue;
      // A fresh token that gets a 401 is the server's answer to something else (a wrong scope):
      // refreshing again would loop.
      if (now - tokens.issuedAt < UNAUTHORIZED_MIN_AGE_MS || this.refreshedOn401.has(tokens.accessToken))
        continue;
      this.refreshedOn401.add(tokens.accessToken);
      refreshes.push(this.refresh(id));
    }
    await Promise.all(refreshes);
  }

  /**
   * Changes the API tabs one change at a time: the tab events (a load and a close in the same
   * moment), "Open in a tab" and the reconciliation each read and write them. `change` gets the
   * current list and returns the new one; the result says whether it changed anything.
   */
  private updateApiTabs(change: (tabs: readonly ApiTab[]) => Promise<readonly ApiTab[]>): Promise<boolean> {
    const run = this.apiTabsChain.then(async () => {
      const tabs = await this.platform.apiTabs.load();
      const next = await change(tabs);
      if (next === tabs) return false;
      await this.platform.apiTabs.save(next);
      return true;
    });
    this.apiTabsChain = run.catch(() => undefined);
    return run;
  }

  /** A tab closed: an API tab's rule goes with it. */
  async onTabClosed(tabId: number): Promise<void> {
    const changed = await this.updateApiTabs(async (tabs) =>
      tabs.some((tab) => tab.tabId === tabId) ? tabs.filter((tab) => tab.tabId !== tabId) : tabs,
    );
    if (changed) await this.sync();
  }

  /**
   * A tab navigated. An API tab keeps its rule while it shows the profile's hosts; once it has
   * shown them and leaves (`url` is undefined for a site the extension has no access to), the
   * rule goes, so a site opened later in that tab cannot send it back to the API with the token.
   * Until it first shows them, the tab is still opening (a blank page, then the extension's own).
   */
  async onTabNavigated(tabId: number, url: string | undefined): Promise<void> {
    let forgotten = false;
    await this.updateApiTabs(async (tabs) => {
      const entry = tabs.find((tab) => tab.tabId === tabId);
      if (!entry) return tabs;
      const profile = (await this.allProfiles()).find((p) => p.id === entry.profileId)?.profile;
      if (profile && url !== undefined && matchesHosts(profile, url)) {
        return entry.reachedHosts
          ? tabs
          : tabs.map((tab) => (tab === entry ? { ...tab, reachedHosts: true } : tab));
      }
      if (profile && !entry.reachedHosts) return tabs;
      forgotten = true;
      return tabs.filter((tab) => tab !== entry);
    });
    if (forgotten) await this.sync();
  }

  async onAlarm(name: string): Promise<void> {
    if (name.startsWith(REFRESH_ALARM)) {
      await this.refresh(name.slice(REFRESH_ALARM.length), { onlyIfDue: true });
    } else {
      await this.sync();
    }
  }

  private async syncNow(): Promise<void> {
    const { now } = this.platform;
    const started = performance.now();
    const profiles = await this.allProfiles();
    const active: ActiveToken[] = [];
    const statuses: Record<string, PublicStatus> = {};
    const wanted = new Map<string, number>();
    const due: string[] = [];
    const apiTabs = await this.platform.apiTabs.load();

    for (const { id, profile } of profiles) {
      const session = await this.sessionFor(id, profile);
      const tokens = session.tokens;
      const usable = isUsable(tokens, now(), dropAt);
      const refreshable = canRefresh(profile, session);
      let nextAttemptAt: number | undefined;
      if (profile.enabled && tokens) {
        if (usable) {
          const tabIds = tabIdsOf(apiTabs, id);
          active.push({ id, profile, accessToken: tokens.accessToken, tabIds });
          wanted.set(DROP_ALARM + id, dropAt(tokens.expiresAt));
        }
        if (refreshable) {
          nextAttemptAt = this.nextAttemptAt(profile, session);
          if (nextAttemptAt <= now()) due.push(id);
          else wanted.set(REFRESH_ALARM + id, nextAttemptAt);
        }
      }
      statuses[id] = publicStatus(session, {
        enabled: profile.enabled,
        refreshing: this.inflight.has(id),
        signingIn: this.signingIn.has(id),
        usable,
        canRefresh: refreshable,
        nextAttemptAt,
      });
    }

    // A tab opened for a profile that no longer holds a token is an ordinary tab from now on.
    if (apiTabs.some((tab) => !active.some((a) => a.id === tab.profileId))) {
      await this.updateApiTabs(async (tabs) =>
        tabs.filter((tab) => active.some((a) => a.id === tab.profileId)),
      );
    }
    const trash = await this.platform.profiles.loadTrash();
    if (trash && now() - trash.removedAt > UNDO_MS) await this.emptyTrash();
    const rules = await this.applyRules(active);
    for (const id of this.ruleFailures.keys()) {
      if (statuses[id]) statuses[id] = this.withRuleFailure(id, statuses[id]);
    }
    await this.reconcileAlarms(wanted);
    await this.platform.profiles.publishStatus(statuses, {
      syncedAt: now(),
      syncMs: Math.round((performance.now() - started) * 10) / 10,
      rules: rules.length,
    });
    await this.updateBadge(profiles, statuses);
    void this.refreshManagedCopy();
    // Started after this sync so the refresh's own sync queues behind it instead of deadlocking.
    for (const id of due) void this.refresh(id, { onlyIfDue: true });
  }

  /**
   * Sets the rules for these tokens, unless they are what this worker already set. When the
   * browser refuses the whole set, each profile's rules are tried on their own: one profile's bad
   * rule must neither keep the others' new tokens out nor leave a signed-out profile's old rule in.
   */
  private async applyRules(active: ActiveToken[]): Promise<HeaderRule[]> {
    const rules = buildRules(active);
    const key = JSON.stringify(rules);
    if (key === this.applied?.rules) return rules;
    try {
      await this.platform.setRules(rules);
      this.ruleFailures.clear();
      this.applied = { active, rules: key };
      return rules;
    } catch {
      const kept: ActiveToken[] = [];
      this.ruleFailures.clear();
      for (const entry of active) {
        try {
          await this.platform.setRules(buildRules([...kept, entry]));
          kept.push(entry);
        } catch (error) {
          this.ruleFailures.set(entry.id, (error as Error).message);
        }
      }
      const keptRules = buildRules(kept);
      // The last attempt may have been a refused one: the browser must hold exactly the kept rules.
      await this.platform.setRules(keptRules);
      this.applied = { active: kept, rules: JSON.stringify(keptRules) };
      return keptRules;
    }
  }

  /**
   * A refreshed token goes into the rules at once, from what the rules carry now, instead of
   * after a whole reconciliation that reads storage again: requests wait on this hand-off. In the
   * sync chain, so no older reconciliation can put the old token back; the sync that follows
   * publishes the rest. A worker that has not synced yet leaves it all to that sync.
   */
  private applyRefreshed(id: string, accessToken: string): Promise<void> {
    return this.inSyncChain(async () => {
      const active = this.applied?.active;
      if (!active?.some((a) => a.id === id)) return;
      await this.applyRules(active.map((a) => (a.id === id ? { ...a, accessToken } : a)));
    }, 'rule update failed');
  }

  /**
   * Chromium's storage.managed can take seconds to answer at a browser start; rules must not wait
   * for it. Syncs work from the last copy, and a change in the policy syncs again.
   */
  private async refreshManagedCopy(): Promise<void> {
    const current = await this.platform.managedProfileFile().catch(() => undefined);
    const copy = await this.platform.profiles.loadManagedCopy();
    if (JSON.stringify(current) === JSON.stringify(copy)) return;
    await this.platform.profiles.saveManagedCopy(current);
    await this.sync();
  }

  private nextAttemptAt(profile: Profile, session: Session): number {
    const tokens = session.tokens;
    if (!tokens) return Number.POSITIVE_INFINITY;
    return session.failures > 0
      ? retryAt(session.lastRefresh?.at ?? this.platform.now(), session.failures - 1, tokens.expiresAt)
      : refreshDueAt(tokens.issuedAt, tokens.expiresAt, profile.refresh.leadSeconds);
  }

  private async reconcileAlarms(wanted: Map<string, number>): Promise<void> {
    const existing = await this.platform.alarms.all();
    for (const alarm of existing) {
      if (!wanted.has(alarm.name)) await this.platform.alarms.clear(alarm.name);
    }
    for (const [name, when] of wanted) {
      const current = existing.find((a) => a.name === name);
      if (!current || Math.abs(current.scheduledTime - when) > 500)
        await this.platform.alarms.set(name, when);
    }
  }

  private async updateBadge(
    profiles: StoredProfile[],
    statuses: Record<string, PublicStatus>,
  ): Promise<void> {
    const inputs = await Promise.all(
      profiles.map(async ({ id, profile }) => ({
        name: profile.name,
        status: statuses[id] as PublicStatus,
        missingPermission: (await this.platform.missingOrigins(originsFor(profile))).length > 0,
      })),
    );
    await this.platform.setBadge(badgeFor(inputs));
  }

  // ---- sessions ----------------------------------------------------------------------------

  /**
   * The profile's session, signed out when the profile's sign-in settings changed since (an edit,
   * an import, a policy): its tokens belong to other endpoints or another client, and a refresh
   * token must never be sent anywhere the user did not sign in with.
   */
  private async sessionFor(id: string, profile: Profile): Promise<Session> {
    const fingerprint = authFingerprint(profile.auth);
    const stale = (session: Session) => !!session.tokens && session.signedInWith !== fingerprint;
    const session = (await this.platform.sessions.get(id)) ?? SIGNED_OUT;
    if (!stale(session)) return session;
    await this.updateSession(id, (current) =>
      stale(current) ? { failures: 0, error: t('signInSettingsChanged') } : current,
    );
    return (await this.platform.sessions.get(id)) ?? SIGNED_OUT;
  }

  private updateSession(id: string, change: (current: Session) => Session | undefined): Promise<void> {
    const previous = this.sessionLocks.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = (await this.platform.sessions.get(id)) ?? SIGNED_OUT;
      const updated = change(current);
      if (updated === undefined) await this.platform.sessions.delete(id);
      else if (updated !== current) await this.platform.sessions.set(id, updated);
    });
    this.sessionLocks.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  }

  /**
   * Refreshes one profile's token, unless a refresh for it is already in flight (then joins it).
   * `onlyIfDue` (alarms, worker starts) skips a token that a refresh a moment ago already renewed.
   */
  refresh(id: string, { onlyIfDue = false } = {}): Promise<void> {
    const running = this.inflight.get(id);
    if (running) return running;
    const run = this.refreshOnce(id, onlyIfDue).finally(() => {
      this.inflight.delete(id);
    });
    this.inflight.set(id, run);
    return run;
  }

  private async refreshOnce(id: string, onlyIfDue: boolean): Promise<void> {
    const entry = (await this.allProfiles()).find((p) => p.id === id);
    if (!entry?.profile.enabled) return;
    const session = await this.sessionFor(id, entry.profile);
    const old = session.tokens;
    if (!old || !canRefresh(entry.profile, session)) return;
    if (onlyIfDue && this.platform.now() < this.nextAttemptAt(entry.profile, session) - DUE_TOLERANCE_MS)
      return;
    await this.sync(); // shows "refreshing"
    const startedAt = this.platform.now();
    // A sign-out or a new sign-in while the request was in flight wins: its session no longer
    // holds the token this refresh started from, and the answer is dropped.
    const unchanged = (current: Session) => current.tokens?.accessToken === old.accessToken;
    try {
      const tokens = await renew(entry.profile, old, this.tokenDeps);
      // The rotated refresh token is stored before anything else happens.
      let stored = false;
      await this.updateSession(id, (current) => {
        if (!unchanged(current)) return current;
        stored = true;
        return {
          ...current,
          tokens: { ...tokens, refreshToken: tokens.refreshToken ?? old.refreshToken },
          failures: 0,
          error: undefined,
          lastRefresh: { at: startedAt, ok: true },
        };
      });
      // The refresh itself succeeded: a failed rule update is logged, and the sync below retries it.
      if (stored) await this.applyRefreshed(id, tokens.accessToken).catch(() => undefined);
    } catch (error) {
      const failure =
        error instanceof TokenRequestError
          ? error
          : new TokenRequestError('invalid-answer', (error as Error).message);
      let signedOut = false;
      await this.updateSession(id, (current) => {
        if (!unchanged(current)) return current;
        const lastRefresh = { at: this.platform.now(), ok: false, message: failure.message };
        if (failure.kind === 'transient') {
          return {
            ...current,
            failures: current.failures + 1,
            error: t('refreshFailed', failure.message),
            lastRefresh,
          };
        }
        signedOut = true;
        return {
          ...SIGNED_OUT,
          ...(current.username !== undefined ? { username: current.username } : {}),
          error: t('signedOutRefused', failure.message),
          lastRefresh,
        };
      });
      // Only a sign-out this refusal caused is news: not one the user made while it was in flight.
      if (signedOut) {
        await this.platform
          .notify(
            `signed-out:${id}`,
            t('notificationTitle', entry.profile.name),
            t('notificationBody', failure.message),
          )
          .catch(() => undefined);
      }
    }
    // Done before the final sync so it publishes the outcome, not "refreshing"; the `finally` in
    // refresh() removes it again, harmlessly.
    this.inflight.delete(id);
    await this.sync();
  }

  /** Stores a fresh sign-in, or the reason it failed, where the popup shows it. */
  private async completeSignIn(
    id: string,
    profile: Profile,
    attempt: () => Promise<SignedIn>,
    keepErrorInSession: boolean,
  ): Promise<AppState> {
    this.signingIn.add(id);
    await this.sync();
    try {
      const { tokens, username } = await attempt();
      await this.updateSession(id, () => ({
        ...(username !== undefined ? { username } : {}),
        tokens,
        failures: 0,
        signedInWith: authFingerprint(profile.auth),
      }));
    } catch (error) {
      if (!(error instanceof TokenRequestError)) throw error;
      const message = t('signInFailed', error.message);
      // The provider's window takes the focus and closes the popup: keep the reason for its next opening.
      if (keepErrorInSession) await this.updateSession(id, (current) => ({ ...current, error: message }));
      throw new UserError(message);
    } finally {
      this.signingIn.delete(id);
      await this.sync();
    }
    return this.state();
  }

  // ---- messages ----------------------------------------------------------------------------

  readonly handlers: {
    [T in keyof Protocol]: (request: Protocol[T]['request']) => Promise<Protocol[T]['response']>;
  } = {
    getState: () => this.state(),
    signIn: async ({ id, username, password }) => {
      const { profile } = await this.profileById(id);
      if (signInMethod(profile.auth) !== 'password') {
        throw new UserError(t('notPasswordKind', profile.name));
      }
      if (!username) throw new UserError(t('enterUsername'));
      return this.completeSignIn(
        id,
        profile,
        () => signIn(profile, { username, password }, this.tokenDeps),
        false,
      );
    },
    signInWithProvider: async ({ id, clientSecret }) => {
      const { profile: stored } = await this.profileById(id);
      const method = signInMethod(stored.auth);
      if (method !== 'provider' && method !== 'connect') {
        throw new UserError(t('notProviderKind', stored.name));
      }
      // A machine identity needs its secret: an export or a shared file never holds it.
      const needsSecret = stored.auth.kind === 'oauth2-client-credentials' && !hasClientSecret(stored);
      if (needsSecret && !clientSecret) throw new UserError(t('needsClientSecret', stored.name));
      const profile = needsSecret ? { ...stored, auth: { ...stored.auth, clientSecret } } : stored;
      if (needsSecret) {
        await this.editable(id);
        await this.editProfiles((list) => list.map((entry) => (entry.id === id ? { id, profile } : entry)));
      }
      return this.completeSignIn(id, profile, () => signIn(profile, undefined, this.tokenDeps), true);
    },
    useToken: async ({ id, token, lifetimeSeconds }) => {
      const { profile } = await this.profileById(id);
      if (profile.auth.kind !== 'manual') throw new UserError(t('notManualKind', profile.name));
      if (lifetimeSeconds !== undefined && !(Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0)) {
        throw new UserError(t('badLifetime'));
      }
      let tokens: Tokens;
      try {
        tokens = parseTokenAnswer(
          { access_token: token.trim(), expires_in: lifetimeSeconds },
          OAUTH_PATHS,
          this.platform.now(),
          profile.refresh.defaultLifetimeSeconds,
        );
      } catch (error) {
        if (error instanceof TokenAnswerError) throw new UserError(t('badToken'));
        throw error;
      }
      await this.updateSession(id, () => ({
        tokens,
        failures: 0,
        signedInWith: authFingerprint(profile.auth),
      }));
      await this.sync();
      return this.state();
    },
    signOut: async ({ id }) => {
      await this.updateSession(id, () => undefined);
      await this.sync();
      return this.state();
    },
    refreshNow: async ({ id }) => {
      const { profile } = await this.profileById(id);
      const session = await this.sessionFor(id, profile);
      if (!canRefresh(profile, session)) throw new UserError(t('nothingToRefresh', profile.name));
      await this.refresh(id);
      return this.state();
    },
    setEnabled: async ({ id, enabled }) => {
      await this.editable(id);
      await this.editProfiles((list) =>
        list.map((entry) => (entry.id === id ? { id, profile: { ...entry.profile, enabled } } : entry)),
      );
      return this.state();
    },
    saveProfile: async ({ id, profile: input }) => {
      const valid = validateProfile(input);
      if (!valid.ok) throw new UserError(t('profileProblems'), valid.problems);
      // The pages never see a stored client secret: a form saved without one keeps it.
      const profile =
        id === undefined ? valid.value : keepClientSecret(valid.value, (await this.editable(id)).profile);
      const savedId = id ?? this.platform.newId();
      await this.editProfiles((list) => {
        if (id !== undefined && !list.some((entry) => entry.id === id)) throw new UserError(t('profileGone'));
        if (list.some((entry) => entry.id !== savedId && entry.profile.name === profile.name)) {
          throw new UserError(t('profileProblems'), [t('nameTaken', profile.name)]);
        }
        return id === undefined
          ? [...list, { id: savedId, profile }]
          : list.map((entry) => (entry.id === id ? { id, profile } : entry));
      });
      return { id: savedId, state: await this.state() };
    },
    deleteProfile: async ({ id }) => {
      const entry = await this.editable(id);
      // The rules go at once; the sealed sign-in stays only while "Undo" is offered.
      await this.emptyTrash();
      await this.platform.profiles.saveTrash({ entry, removedAt: this.platform.now() });
      await this.editProfiles((list) => list.filter((e) => e.id !== id));
      return this.state();
    },
    undoDelete: async () => {
      const trash = await this.platform.profiles.loadTrash();
      if (!trash || this.platform.now() - trash.removedAt > UNDO_MS) throw new UserError(t('nothingToUndo'));
      await this.platform.profiles.saveTrash(undefined);
      await this.editProfiles((list) =>
        list.some((e) => e.profile.name === trash.entry.profile.name) ? list : [...list, trash.entry],
      );
      return this.state();
    },
    previewImport: async ({ text }) => {
      const parsed = parseProfileFile(text);
      if (!parsed.ok) throw new UserError(t('fileRefusedPlain'), parsed.problems);
      const current = await Promise.all(
        (await this.platform.profiles.load()).map(async ({ id, profile }) => ({
          profile,
          signedIn: !!(await this.platform.sessions.get(id))?.tokens,
        })),
      );
      return previewImport(current, parsed.value.profiles);
    },
    importFile: async ({ text }) => {
      const parsed = parseProfileFile(text);
      if (!parsed.ok) throw new UserError(t('fileRefusedPlain'), parsed.problems);
      const current = await this.platform.profiles.load();
      const byName = new Map(current.map((entry) => [entry.profile.name, entry]));
      const next = parsed.value.profiles.map((profile) => {
        const stored = byName.get(profile.name);
        return stored
          ? { id: stored.id, profile: keepClientSecret(profile, stored.profile) }
          : { id: this.platform.newId(), profile };
      });
      await this.editProfiles(() => next);
      const kept = new Set(next.map((entry) => entry.id));
      for (const { id } of current) if (!kept.has(id)) await this.updateSession(id, () => undefined);
      await this.sync();
      return this.state();
    },
    openInTab: async ({ id }) => {
      const { profile } = await this.profileById(id);
      const session = await this.sessionFor(id, profile);
      if (!profile.enabled || !isUsable(session.tokens, this.platform.now(), dropAt)) {
        throw new UserError(t('signInToOpen'));
      }
      const url = tabUrlFor(profile);
      if (!url) throw new UserError(t('noTabUrl', profile.name));
      await this.platform.openTab(url, async (tabId) => {
        await this.updateApiTabs(async (tabs) => [
          ...tabs.filter((tab) => tab.tabId !== tabId),
          { tabId, profileId: id },
        ]);
        await this.sync();
      });
      return this.state();
    },
    testRequest: async ({ id }) => {
      const { profile } = await this.profileById(id);
      if (!profile.testUrl) throw new UserError(t('noTestUrl', profile.name));
      const session = await this.sessionFor(id, profile);
      if (!session.tokens || !isUsable(session.tokens, this.platform.now(), dropAt)) {
        throw new UserError(t('signInFirst'));
      }
      // The extension's own requests never get the header from the rules, so it is set here,
      // for this one URL, which the profile check keeps on the profile's hosts.
      const started = this.platform.now();
      try {
        const response = await this.platform.fetch(profile.testUrl, {
          headers: { [profile.header.name]: headerValue(profile.header.value, session.tokens.accessToken) },
          credentials: 'omit',
          cache: 'no-store',
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        });
        await response.body?.cancel();
        return {
          status: response.status,
          statusText: response.statusText,
          ms: this.platform.now() - started,
          ...(response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)
            ? { redirected: true }
            : {}),
        };
      } catch (error) {
        throw new UserError(t('testFailed', (error as Error).message));
      }
    },
    exportFile: async () => {
      // A file meant to be shared never holds a secret; it says whose must be entered again.
      const profiles = (await this.platform.profiles.load()).map((entry) => entry.profile);
      return {
        text: serializeProfileFile(profiles.map(withoutClientSecret)),
        withoutSecret: profiles.filter((profile) => hasClientSecret(profile)).map((profile) => profile.name),
      };
    },
  };

  /** Forgets the last removed profile and its sign-in. */
  private async emptyTrash(): Promise<void> {
    const trash = await this.platform.profiles.loadTrash();
    if (!trash) return;
    await this.platform.profiles.saveTrash(undefined);
    const stillListed = (await this.platform.profiles.load()).some((e) => e.id === trash.entry.id);
    if (!stillListed) await this.updateSession(trash.entry.id, () => undefined);
  }

  private async profileById(id: string): Promise<StoredProfile> {
    const entry = (await this.allProfiles()).find((p) => p.id === id);
    if (!entry) throw new UserError(t('profileGone'));
    return entry;
  }

  private async editProfiles(change: (list: StoredProfile[]) => StoredProfile[]): Promise<void> {
    const next = change(await this.platform.profiles.load());
    await this.platform.profiles.save(next);
    await this.sync();
  }

  /** The organization's profiles first, then the user's (a user profile of the same name gives way). */
  private async allProfiles(): Promise<StoredProfile[]> {
    return (await this.profilesAndProblems()).profiles;
  }

  private async profilesAndProblems(): Promise<{ profiles: StoredProfile[]; managedProblems: string[] }> {
    const managed = managedProfiles(await this.platform.profiles.loadManagedCopy());
    const names = new Set(managed.profiles.map((entry) => entry.profile.name));
    const user = (await this.platform.profiles.load()).filter((entry) => !names.has(entry.profile.name));
    return { profiles: [...managed.profiles, ...user], managedProblems: managed.problems };
  }

  /** Refuses to change what the organization manages. */
  private async editable(id: string): Promise<StoredProfile> {
    const entry = await this.profileById(id);
    if (entry.managed) throw new UserError(t('managedReadOnly', entry.profile.name));
    return entry;
  }

  /** A profile whose rules the browser refused says so, with the browser's words. */
  private withRuleFailure(id: string, status: PublicStatus): PublicStatus {
    const failure = this.ruleFailures.get(id);
    return failure === undefined ? status : { ...status, error: t('rulesRefused', failure) };
  }

  async state(): Promise<AppState> {
    const { profiles, managedProblems } = await this.profilesAndProblems();
    const discovered = await this.platform.profiles.loadDiscovered();
    const statuses = await Promise.all(
      profiles.map(async ({ id, profile, managed }): Promise<ProfileView> => {
        const session = await this.sessionFor(id, profile);
        const origins = originsFor(profile);
        return {
          id,
          profile: withoutClientSecret(profile),
          hasClientSecret: hasClientSecret(profile),
          plainHttp: plainHttpEndpoints(profile.auth, discovered[issuerOf(profile.auth) ?? ''] ?? []),
          managed: !!managed,
          origins,
          missingOrigins: await this.platform.missingOrigins(origins),
          status: this.withRuleFailure(
            id,
            publicStatus(session, {
              enabled: profile.enabled,
              refreshing: this.inflight.has(id),
              signingIn: this.signingIn.has(id),
              usable: isUsable(session.tokens, this.platform.now(), dropAt),
              canRefresh: canRefresh(profile, session),
            }),
          ),
        };
      }),
    );
    return { profiles: statuses, managedProblems };
  }
}
