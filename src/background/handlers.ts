// What each message of the protocol does. Every change goes through the controller's `commit`
// (the only way a message writes storage) and ends in one reconciliation, whose published state
// is the answer; the workflows (sign-in, refresh, subscriptions, sync) are the controller's.
import { accountInTab, accountKey, DEFAULT_ACCOUNT, withChoice, withNewAccount } from '../core/accounts.js';
import { withApiTab } from '../core/api-tabs.js';
import { lacksClientSecret, signInMethod, traitsOf } from '../core/auth-kinds.js';
import { canRenew } from '../core/auth-requests.js';
import { previewImport } from '../core/import-preview.js';
import { currentSession } from '../core/plan.js';
import { parseProfileFile, serializeProfileFile, validateProfile } from '../core/profile.js';
import { mergeByName, type StoredProfile } from '../core/profiles.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { headersFor, tabUrlFor } from '../core/rules.js';
import { dropAt, UNDO_MS } from '../core/schedule.js';
import { isUsable, pastedSession } from '../core/session.js';
import { newSubscription, type Subscription } from '../core/subscriptions.js';
import { curlCommand, newGrant } from '../core/terminal.js';
import { type MessageKey, t } from '../core/text.js';
import { hasClientSecret, keepClientSecret, withoutClientSecret } from '../core/valid-profile.js';
import { type AppState, type Protocol, UserError } from '../messages/protocol.js';
import type { Controller } from './controller.js';
import type { ListStore } from './list-store.js';
import { authorizationServer } from './oauth.js';
import type { Platform } from './platform.js';
import type { ProfileStore } from './profile-store.js';
import type { SessionStore } from './session-store.js';
import { signIn } from './token-service.js';

export type Handlers = {
  [T in keyof Protocol]: (request: Protocol[T]['request']) => Promise<Protocol[T]['response']>;
};

/** What the handlers use of the platform: storage only to read (changes go through `commit`). */
export type HandlerPlatform = Pick<
  Platform,
  'now' | 'newId' | 'fetch' | 'tabExists' | 'openTab' | 'terminalPolicyCopy'
> & {
  readonly profiles: Pick<ProfileStore, 'load' | 'loadTrash'>;
  readonly sessions: Pick<SessionStore, 'all' | 'get'>;
  readonly subscriptions: Pick<ListStore<Subscription>, 'load'>;
};

export function messageHandlers(controller: Controller, platform: HandlerPlatform): Handlers {
  const profileById = async (id: string): Promise<StoredProfile> => {
    const entry = (await controller.profiles()).profiles.find((p) => p.id === id);
    if (!entry) throw new UserError(t('profileGone'));
    return entry;
  };
  /** Refuses to change what the organization manages, or what a subscription brings. */
  const editable = async (id: string): Promise<StoredProfile> => {
    const entry = await profileById(id);
    if (entry.managed) throw new UserError(t('managedReadOnly', entry.profile.name));
    if (entry.subscription !== undefined)
      throw new UserError(t('subscribedReadOnly', entry.profile.name, entry.subscription));
    return entry;
  };
  /** Changes the user's own profiles, then reconciles. */
  const editProfiles = (change: (list: StoredProfile[]) => StoredProfile[]): Promise<AppState> =>
    controller.commit(async ({ profiles }) => profiles.save(change(await profiles.load())));
  /**
   * The account a message names (`account` absent: the default), with its profile and key;
   * refuses one that was removed meanwhile.
   */
  const accountOf = async ({ id, account = DEFAULT_ACCOUNT }: { id: string; account?: string }) => {
    const key = accountKey(id, account);
    const entry = await controller.accountEntry(key);
    if (!entry) throw new UserError(t(account === DEFAULT_ACCOUNT ? 'profileGone' : 'accountGone'));
    return { ...entry, key, anotherUser: account !== DEFAULT_ACCOUNT };
  };
  /** The account's current token, or the reason there is none to use. */
  const usableToken = async (target: { id: string; account?: string }, refusal: MessageKey) => {
    const { profile, key } = await accountOf(target);
    const { tokens } = await controller.session(key, profile);
    if (!tokens || !isUsable(tokens, platform.now(), dropAt)) throw new UserError(t(refusal));
    return { profile, key, tokens };
  };

  /** "Test" and "Copy as curl": the profile's test URL, and its headers with the current token. */
  const testCall = async (target: { id: string; account?: string }) => {
    const { profile: bare } = await profileById(target.id);
    if (!bare.testUrl) throw new UserError(t('noTestUrl', bare.name));
    const { profile, tokens } = await usableToken(target, 'signInFirst');
    return { url: bare.testUrl, headers: headersFor(profile, tokens) };
  };

  return {
    getState: () => controller.state(),
    discover: async ({ issuer }) => {
      if (!/^https?:\/\//i.test(issuer)) return {};
      try {
        const auth = { kind: 'oauth2-authorization-code', issuer, clientId: 'discovery' } as const;
        const { token_endpoint: tokenEndpoint } = await authorizationServer(auth, controller.tokenDeps);
        return tokenEndpoint ? { tokenEndpoint } : {};
      } catch {
        return {};
      }
    },
    signIn: async ({ username, password, ...target }) => {
      const { profile, key } = await accountOf(target);
      if (signInMethod(profile.auth) !== 'password') throw new UserError(t('notPasswordKind', profile.name));
      if (!username) throw new UserError(t('enterUsername'));
      const attempt = () => signIn(profile, { username, password }, controller.tokenDeps);
      return controller.signIn(key, profile, attempt, { keepError: false });
    },
    signInWithProvider: async ({ clientSecret, ...target }) => {
      const { id } = target;
      const { profile: stored, key, anotherUser } = await accountOf(target);
      const method = signInMethod(stored.auth);
      if (method !== 'provider' && method !== 'connect')
        throw new UserError(t('notProviderKind', stored.name));
      // A machine identity needs its secret: an export or a shared file never holds it.
      const needsSecret = lacksClientSecret(stored);
      if (needsSecret && !clientSecret) throw new UserError(t('needsClientSecret', stored.name));
      const profile = needsSecret ? { ...stored, auth: { ...stored.auth, clientSecret } } : stored;
      if (needsSecret) {
        await editable(id);
        await controller.commit(async ({ profiles }) =>
          profiles.save((await profiles.load()).map((entry) => (entry.id === id ? { id, profile } : entry))),
        );
      }
      const attempt = () => signIn(profile, undefined, controller.tokenDeps, { anotherUser });
      return controller.signIn(key, profile, attempt, { keepError: true });
    },
    useToken: async ({ token, lifetimeSeconds, ...target }) => {
      const { profile, key } = await accountOf(target);
      if (signInMethod(profile.auth) !== 'token') throw new UserError(t('notManualKind', profile.name));
      const session = pastedSession(profile, token, lifetimeSeconds, platform.now());
      if (typeof session === 'string') throw new UserError(t(session));
      return controller.commit(({ sessions }) => sessions.update(key, () => session));
    },
    signOut: async ({ id, account = DEFAULT_ACCOUNT }) => {
      return controller.commit(({ sessions }) => sessions.update(accountKey(id, account), () => undefined));
    },
    refreshNow: async (target) => {
      const { profile, key } = await accountOf(target);
      const { tokens } = await controller.session(key, profile);
      if (!canRenew(profile.auth, tokens)) throw new UserError(t('nothingToRefresh', profile.name));
      await controller.refresh(key);
      return controller.state();
    },
    addAccount: async ({ id }) => {
      const { profile } = await profileById(id);
      if (!traitsOf(profile.auth.kind).allowsAddedAccounts)
        throw new UserError(t('oneAccountOnly', profile.name));
      let account = '';
      const state = await controller.commit(async ({ accounts }) => {
        await accounts.update((extras) => {
          const added = withNewAccount(extras, id);
          account = added.accountId;
          return added.extras;
        });
      });
      return { account, state };
    },
    removeAccount: async ({ id, account }) => {
      if (account === DEFAULT_ACCOUNT) throw new UserError(t('accountGone'));
      // The reconciliation drops the tabs' choices of it: they use the default account again.
      return controller.commit(async ({ sessions, accounts }) => {
        await sessions.update(accountKey(id, account), () => undefined);
        await accounts.update((extras) =>
          extras.filter((a) => !(a.profileId === id && a.accountId === account)),
        );
      });
    },
    useInTab: async ({ id, account, tabId }) => {
      await accountOf({ id, account });
      if (!(await platform.tabExists(tabId))) throw new UserError(t('noSuchTab'));
      return controller.commit(async ({ tabChoices }) => {
        await tabChoices.update((choices) =>
          accountInTab(choices, tabId, id) === account ? choices : withChoice(choices, tabId, id, account),
        );
      });
    },
    setEnabled: async ({ id, enabled }) => {
      await editable(id);
      return editProfiles((list) =>
        list.map((entry) => (entry.id === id ? { id, profile: { ...entry.profile, enabled } } : entry)),
      );
    },
    saveProfile: async ({ id, profile: input }) => {
      await publicSuffixListReady();
      const valid = validateProfile(input);
      if (!valid.ok) throw new UserError(t('profileProblems'), valid.problems);
      // The pages never see a stored client secret: a form saved without one keeps it.
      const profile =
        id === undefined ? valid.value : keepClientSecret(valid.value, (await editable(id)).profile);
      const savedId = id ?? platform.newId();
      const state = await editProfiles((list) => {
        if (id !== undefined && !list.some((entry) => entry.id === id)) throw new UserError(t('profileGone'));
        if (list.some((entry) => entry.id !== savedId && entry.profile.name === profile.name)) {
          throw new UserError(t('profileProblems'), [t('nameTaken', profile.name)]);
        }
        return id === undefined
          ? [...list, { id: savedId, profile }]
          : list.map((entry) => (entry.id === id ? { id, profile } : entry));
      });
      return { id: savedId, state };
    },
    deleteProfile: async ({ id }) => {
      const entry = await editable(id);
      // The rules go at once; the sealed sign-in stays only while "Undo" is offered.
      return controller.commit(async ({ profiles }) => {
        await controller.emptyTrash();
        await profiles.saveTrash({ entry, removedAt: platform.now() });
        await profiles.save((await profiles.load()).filter((e) => e.id !== id));
      });
    },
    undoDelete: async () => {
      const trash = await platform.profiles.loadTrash();
      if (!trash || platform.now() - trash.removedAt > UNDO_MS) throw new UserError(t('nothingToUndo'));
      return controller.commit(async ({ profiles }) => {
        await profiles.saveTrash(undefined);
        const list = await profiles.load();
        if (!list.some((e) => e.profile.name === trash.entry.profile.name))
          await profiles.save([...list, trash.entry]);
      });
    },
    subscribe: async (request) => {
      const subscription = newSubscription(request, platform.newId());
      if (!subscription.ok) throw new UserError(subscription.problems.join(' '));
      if (!(await controller.subscribe(subscription.value)))
        throw new UserError(t('subscriptionNameTaken', subscription.value.name));
      return controller.state();
    },
    acceptSyncedChange: async ({ name, changedAt }) => {
      await controller.profileSync.settleWaiting(name, { changedAt });
      return controller.reconcile();
    },
    discardSyncedChange: async ({ name }) => {
      await controller.profileSync.settleWaiting(name, { discard: true });
      return controller.reconcile();
    },
    setSync: async ({ enabled }) => {
      await controller.profileSync.setEnabled(enabled);
      return controller.reconcile();
    },
    checkSubscription: async ({ id }) => {
      if (!(await platform.subscriptions.load()).some((s) => s.id === id))
        throw new UserError(t('subscriptionGone'));
      await controller.checkSubscription(id);
      return controller.state();
    },
    acceptSubscriptionUpdate: async ({ id, digest }) => {
      return controller.settleSubscriptionUpdate(id, { digest });
    },
    discardSubscriptionUpdate: async ({ id }) => {
      return controller.settleSubscriptionUpdate(id, { discard: true });
    },
    unsubscribe: async ({ id }) => {
      return controller.unsubscribe(id);
    },
    previewImport: async ({ text }) => {
      await publicSuffixListReady();
      const parsed = parseProfileFile(text);
      if (!parsed.ok) throw new UserError(t('fileRefusedPlain'), parsed.problems);
      // Signed in as the plan counts it: a session made with other sign-in settings is not.
      const [own, sessions] = await Promise.all([platform.profiles.load(), platform.sessions.all()]);
      const current = own.map(({ id, profile }) => ({
        profile,
        signedIn: !!currentSession(profile, sessions.get(id)).tokens,
      }));
      return previewImport(current, parsed.value.profiles);
    },
    importFile: async ({ text }) => {
      await publicSuffixListReady();
      const parsed = parseProfileFile(text);
      if (!parsed.ok) throw new UserError(t('fileRefusedPlain'), parsed.problems);
      return controller.commit(async ({ profiles }) => {
        const current = await profiles.load();
        const next = mergeByName(current, parsed.value.profiles, platform.newId, keepClientSecret);
        await profiles.save(next);
        const kept = new Set(next.map((entry) => entry.id));
        for (const { id } of current) if (!kept.has(id)) await controller.forgetSignIns(id);
      });
    },
    openInTab: async (target) => {
      const { id, account = DEFAULT_ACCOUNT } = target;
      const { profile } = await usableToken(target, 'signInToOpen');
      if (!profile.enabled) throw new UserError(t('signInToOpen'));
      const url = tabUrlFor(profile);
      if (!url) throw new UserError(t('noTabUrl', profile.name));
      await platform.openTab(url, async (tabId) => {
        await controller.commit(async ({ apiTabs, tabChoices }) => {
          await apiTabs.update((tabs) => withApiTab(tabs, tabId, id));
          if (account !== DEFAULT_ACCOUNT)
            await tabChoices.update((choices) => withChoice(choices, tabId, id, account));
        });
      });
      return controller.state();
    },
    testRequest: async (target) => {
      const { url, headers } = await testCall(target);
      // The extension's own requests never get the header from the rules, so it is set here,
      // for this one URL, which the profile check keeps on the profile's hosts.
      const started = platform.now();
      try {
        const response = await platform.fetch(url, {
          headers,
          credentials: 'omit',
          cache: 'no-store',
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        });
        await response.body?.cancel();
        const redirected =
          response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
        return {
          status: response.status,
          statusText: response.statusText,
          ms: platform.now() - started,
          ...(redirected ? { redirected: true } : {}),
        };
      } catch (error) {
        throw new UserError(t('testFailed', (error as Error).message));
      }
    },
    setTerminalAccess: async ({ id, hours }) => {
      const { profile } = await profileById(id);
      if (!(await platform.terminalPolicyCopy.load())) throw new UserError(t('terminalForbidden'));
      const grant = newGrant(id, hours, platform.now());
      if (!grant) throw new UserError(t('terminalBadHours'));
      if (!profile.enabled) throw new UserError(t('terminalAccessOff', profile.name));
      return controller.commit(({ terminalGrants }) =>
        terminalGrants.update((grants) => [...grants.filter((g) => g.profileId !== id), grant]),
      );
    },
    endTerminalAccess: async ({ id }) =>
      controller.commit(({ terminalGrants }) =>
        terminalGrants.update((grants) =>
          grants.some((g) => g.profileId === id) ? grants.filter((g) => g.profileId !== id) : grants,
        ),
      ),
    curlCommand: async (target) => {
      const { url, headers } = await testCall(target);
      return { command: curlCommand(url, headers) };
    },
    exportFile: async () => {
      // A file meant to be shared never holds a secret; it says whose must be entered again.
      const profiles = (await platform.profiles.load()).map((entry) => entry.profile);
      return {
        text: serializeProfileFile(profiles.map(withoutClientSecret)),
        withoutSecret: profiles.filter((profile) => hasClientSecret(profile)).map((profile) => profile.name),
      };
    },
  };
}
