// The popup: every profile with its state, and the buttons to sign in, refresh, sign out; the
// profiles that apply to the tab it was opened on come first, with the account that tab uses.

import { browser } from '../browser-api/browser.js';
import { localizePage, t } from '../browser-api/i18n.js';
import {
  accountInTab,
  accountKey,
  accountLabel,
  DEFAULT_ACCOUNT,
  parseAccountKey,
} from '../core/accounts.js';
import { signInMethod, traitsOf } from '../core/auth-kinds.js';
import { secretDestination } from '../core/auth-requests.js';
import { appliesToPage, tabUrlFor } from '../core/rules.js';
import { isSending, type PublicStatus } from '../core/session.js';
import { followState, send } from '../messages/client.js';
import type { AccountView, AppState, ProfileView } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { byId, countdown, h, plainHttpWarning, stableJson } from '../pages/dom.js';

const list = byId('profiles');
/** Per-profile message from the last action (sign-in error etc.), kept across re-renders. */
const notices = new Map<string, { text: string; error: boolean }>();
let latest: AppState = {
  profiles: [],
  managedProblems: [],
  tabChoices: [],
  subscriptions: [],
  sync: { enabled: false },
};

/** The tab the popup is about: its id, and its URL where the extension may see it. */
interface CurrentTab {
  readonly id: number;
  readonly url?: string | undefined;
}
let currentTab: CurrentTab | undefined;

/**
 * The active tab of the window the popup belongs to. Opened as a page of its own (in a tab, as
 * the tests open it), the popup is about the tab `?tab=ID` names, if any.
 */
async function findCurrentTab(): Promise<CurrentTab | undefined> {
  const own = await browser.tabs.getCurrent();
  const named = Number(new URLSearchParams(location.search).get('tab'));
  const tab = own
    ? Number.isInteger(named) && named > 0
      ? await browser.tabs.get(named).catch(() => undefined)
      : undefined
    : (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  return tab?.id === undefined ? undefined : { id: tab.id, url: tab.url };
}

/** A message target: a profile's account ('' the default). */
type Target = { id: string; account?: string };
/** Notices go by account key: the profile's id for its default account. */
const noticeKey = ({ id, account = DEFAULT_ACCOUNT }: Target): string => accountKey(id, account);

function describe(status: PublicStatus, now: number): string {
  switch (status.phase) {
    case 'disabled':
      return t('phaseDisabled');
    case 'signed-out':
      return status.signingIn ? t('phaseSigningIn') : t('phaseSignedOut');
    case 'refreshing':
      return t('phaseRefreshing');
    case 'expired':
      return t('phaseExpired');
    case 'signed-in':
    case 'retrying': {
      const who = status.username ? t('signedInAs', status.username) : t('tokenInUse');
      return status.expiresAt ? t('expiresIn', who, countdown(status.expiresAt, now)) : who;
    }
  }
}

/** An added account's state: its row already names the user. */
function describeAccount(status: PublicStatus, now: number): string {
  if ((status.phase === 'signed-in' || status.phase === 'retrying') && status.expiresAt)
    return t('expiresIn', t('accountSignedIn'), countdown(status.expiresAt, now));
  return describe(status, now);
}

async function act(key: string, action: () => Promise<AppState>, done?: string): Promise<void> {
  notices.delete(key);
  try {
    render(await action());
    if (done) notices.set(key, { text: done, error: false });
  } catch (error) {
    notices.set(key, { text: error instanceof UserError ? error.message : String(error), error: true });
  }
  // Only the card whose notice changed is drawn again: typing in another card is never lost.
  render(latest);
}

/** "Test": one GET to the profile's test URL with the header, and its status. */
async function runTest(view: ProfileView): Promise<void> {
  notices.set(view.id, { text: t('testRunning', view.profile.testUrl ?? ''), error: false });
  render(latest);
  try {
    const { status, statusText, ms, redirected } = await send('testRequest', { id: view.id });
    const url = view.profile.testUrl ?? '';
    notices.set(view.id, {
      text: redirected ? t('testRedirected', url, ms) : t('testResult', url, status, statusText, ms),
      error: status >= 400,
    });
  } catch (error) {
    notices.set(view.id, { text: error instanceof UserError ? error.message : String(error), error: true });
  }
  render(latest);
}

function signInForm(view: ProfileView, target: Target): HTMLFormElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const button = h('button', { type: 'submit' }, t('signIn'));
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': t('signInTo', view.profile.name) },
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    h('p', { class: 'note' }, t('passwordGoesTo', secretDestination(view.profile.auth) ?? '')),
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    const payload = { ...target, username: username.value, password: password.value };
    password.value = '';
    void act(noticeKey(target), () => send('signIn', payload));
  });
  return form;
}

function tokenForm(view: ProfileView, target: Target): HTMLFormElement {
  const token = h('input', { name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const lifetime = h('input', { name: 'lifetime', type: 'number', min: 1, inputmode: 'numeric' });
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': t('tokenFor', view.profile.name) },
    h('label', {}, t('token'), token),
    h('label', {}, t('lifetimeOptional'), lifetime),
    h('button', { type: 'submit' }, t('useToken')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const lifetimeSeconds = lifetime.value ? Number(lifetime.value) : undefined;
    const payload = { ...target, token: token.value, ...(lifetimeSeconds ? { lifetimeSeconds } : {}) };
    token.value = '';
    void act(noticeKey(target), () => send('useToken', payload));
  });
  return form;
}

function providerButton(target: Target, label: string): HTMLElement {
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        type: 'submit',
        // The provider's page takes the focus and may close the popup: the background finishes
        // the sign-in, and the popup shows the result when it opens again.
        onclick: () => void act(noticeKey(target), () => send('signInWithProvider', target)),
      },
      label,
    ),
  );
}

/** "Connect" for a machine identity whose secret is not stored (an imported or shared file). */
function secretForm(view: ProfileView): HTMLFormElement {
  const secret = h('input', { name: 'clientSecret', type: 'password', autocomplete: 'off', required: true });
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': t('signInTo', view.profile.name) },
    h('p', { class: 'note' }, t('needsClientSecret', view.profile.name)),
    h('label', {}, t('fieldClientSecret'), secret),
    h('p', { class: 'note' }, t('secretGoesTo', secretDestination(view.profile.auth) ?? '')),
    h('button', { type: 'submit' }, t('connect')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const payload = { id: view.id, clientSecret: secret.value };
    secret.value = '';
    void act(view.id, () => send('signInWithProvider', payload));
  });
  return form;
}

function signInControls(view: ProfileView, target: Target = { id: view.id }): HTMLElement {
  // The pages never see a stored secret, only whether there is one.
  if (traitsOf(view.profile.auth.kind).needsClientSecret && !view.hasClientSecret) return secretForm(view);
  switch (signInMethod(view.profile.auth)) {
    case 'password':
      return signInForm(view, target);
    case 'provider':
      return providerButton(target, t('signIn'));
    case 'connect':
      return providerButton(target, t('connect'));
    case 'token':
      return tokenForm(view, target);
  }
}

function noticeLine(key: string): HTMLElement | false {
  const notice = notices.get(key);
  return (
    !!notice &&
    h('p', { class: notice.error ? 'error' : 'notice', role: notice.error ? 'alert' : 'status' }, notice.text)
  );
}

/**
 * The profile's accounts, when the user added any: each with its state, the one the current tab
 * uses marked, "Use in this tab" for the others; an added one with its own sign-in and sign-out.
 * Without added accounts, only "Add another account" (once the first is signed in), so a single
 * account stays as simple as it was.
 */
function accountsSection(view: ProfileView, now: number): HTMLElement | false {
  const { id, profile } = view;
  if (!traitsOf(profile.auth.kind).allowsAddedAccounts) return false;
  const add = h(
    'button',
    {
      type: 'button',
      class: 'add-account',
      onclick: () => {
        // In the click itself (a user gesture, which Firefox requires): which page opens a tab
        // decides its account; without it AutoBearer goes by what tabs.onCreated says.
        void browser.permissions.request({ permissions: ['webNavigation'] }).catch(() => false);
        void act(id, async () => (await send('addAccount', { id })).state);
      },
    },
    t('addAccount'),
  );
  if (view.accounts.length === 0) return isSending(view.status) && h('div', { class: 'actions' }, add);
  const tab = currentTab;
  const inTab = tab && accountInTab(latest.tabChoices, tab.id, id);
  // Switching belongs to tabs the profile applies to, or that already use another account.
  const switchable =
    !!tab && (inTab !== DEFAULT_ACCOUNT || (tab.url !== undefined && appliesToPage(profile, tab.url)));
  const row = (accountId: string, status: PublicStatus, extra?: AccountView): HTMLElement => {
    const label = accountLabel(status.username, accountId);
    const target = { id, account: accountId };
    const used = switchable && inTab === accountId;
    return h(
      'li',
      { class: `account phase-${status.phase}`, 'data-account': accountId || '1', 'data-label': label },
      h(
        'p',
        { class: 'account-state' },
        h('strong', {}, label),
        accountId === DEFAULT_ACCOUNT ? ` (${t('defaultAccount')})` : '',
        used ? h('span', { class: 'this-tab' }, ` · ${t('usedInThisTab')}`) : '',
        extra ? ' · ' : '',
        extra &&
          h(
            'span',
            { class: 'state', 'data-expires-at': status.expiresAt ?? '' },
            describeAccount(status, now),
          ),
      ),
      extra && status.error && h('p', { class: 'error', role: 'alert' }, status.error),
      extra && noticeLine(noticeKey(target)),
      extra &&
        profile.enabled &&
        (status.phase === 'signed-out' || status.phase === 'expired') &&
        !status.signingIn &&
        signInControls(view, target),
      h(
        'div',
        { class: 'actions' },
        switchable &&
          !used &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('useInThisTabLabel', label),
              onclick: () => void act(id, () => send('useInTab', { id, account: accountId, tabId: tab.id })),
            },
            t('useInThisTab'),
          ),
        extra &&
          isSending(status) &&
          tabUrlFor(profile) &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('openTabAs', label),
              onclick: () => void act(noticeKey(target), () => send('openInTab', target)),
            },
            t('openTab'),
          ),
        extra &&
          isSending(status) &&
          status.canRefresh &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('refreshAccountLabel', label),
              onclick: () => void act(noticeKey(target), () => send('refreshNow', target)),
            },
            t('refreshNow'),
          ),
        extra &&
          isSending(status) &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('signOutAccountLabel', label),
              onclick: () => void act(noticeKey(target), () => send('signOut', target)),
            },
            t('signOut'),
          ),
        extra &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('removeAccountLabel', label),
              onclick: () => void act(id, () => send('removeAccount', { id, account: accountId })),
            },
            t('removeAccount'),
          ),
      ),
    );
  };
  return h(
    'section',
    { class: 'accounts', 'aria-label': t('accountsHeading') },
    h(
      'ul',
      {},
      row(DEFAULT_ACCOUNT, view.status),
      ...view.accounts.map((account) => row(account.accountId, account.status, account)),
    ),
    h('div', { class: 'actions' }, add),
  );
}

function card(view: ProfileView, now: number): HTMLElement {
  const { id, profile, status } = view;
  const signedIn = isSending(status);
  const needsSignIn = profile.enabled && (status.phase === 'signed-out' || status.phase === 'expired');
  const tabUrl = tabUrlFor(profile);
  const enabled = h('input', {
    type: 'checkbox',
    role: 'switch',
    'aria-label': t('enabledSwitch', profile.name),
    checked: profile.enabled,
    disabled: view.managed,
    onchange: (event: Event) => {
      const checked = (event.target as HTMLInputElement).checked;
      void act(id, () => send('setEnabled', { id, enabled: checked }));
    },
  });
  return h(
    'section',
    { class: `profile phase-${status.phase}`, 'data-profile': profile.name, 'aria-label': profile.name },
    h('header', {}, h('h2', {}, profile.name), h('label', { class: 'switch' }, enabled)),
    h('p', { class: 'hosts' }, profile.hosts.join(', ')),
    h('p', { class: 'state', 'data-expires-at': status.expiresAt ?? '' }, describe(status, now)),
    status.lastRefresh &&
      h(
        'p',
        { class: 'last-refresh' },
        t(
          status.lastRefresh.ok ? 'lastRefreshOk' : 'lastRefreshFailed',
          new Date(status.lastRefresh.at).toLocaleTimeString(),
        ),
        // How it went, where it was not a plain refresh (signed in again without a window).
        status.lastRefresh.ok && status.lastRefresh.message ? ` ${status.lastRefresh.message}` : '',
      ),
    status.error && h('p', { class: 'error', role: 'alert' }, status.error),
    status.expiryDoubtful && h('p', { class: 'warning' }, t('expiryLooksWrong')),
    plainHttpWarning(view.plainHttp, true),
    view.missingOrigins.length > 0 &&
      h(
        'p',
        { class: 'warning' },
        `${t('noAccess', view.missingOrigins.join(', '))} `,
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              // Called straight from the click: the browser asks only with a user gesture.
              void browser.permissions
                .request({ origins: [...view.origins] })
                .then(() => send('getState', {}))
                .then(render);
            },
          },
          t('grantAccess'),
        ),
      ),
    noticeLine(id),
    needsSignIn && !status.signingIn && signInControls(view),
    signedIn &&
      h(
        'div',
        { class: 'actions' },
        status.canRefresh &&
          h(
            'button',
            { type: 'button', onclick: () => void act(id, () => send('refreshNow', { id })) },
            t('refreshNow'),
          ),
        profile.testUrl &&
          h(
            'button',
            { type: 'button', title: `GET ${profile.testUrl}`, onclick: () => void runTest(view) },
            t('test'),
          ),
        tabUrl &&
          h(
            'button',
            {
              type: 'button',
              title: t('openInTabTitle', tabUrl),
              onclick: () => void act(id, () => send('openInTab', { id })),
            },
            t('openInTab'),
          ),
        h(
          'button',
          { type: 'button', onclick: () => void act(id, () => send('signOut', { id })) },
          t('signOut'),
        ),
      ),
    accountsSection(view, now),
  );
}

/** The profiles that apply to the current tab first (its page is one of their pages or hosts). */
function inTabOrder(profiles: readonly ProfileView[]): ProfileView[] {
  const url = currentTab?.url;
  if (!url) return [...profiles];
  const applies = (view: ProfileView) => appliesToPage(view.profile, url);
  return [...profiles.filter(applies), ...profiles.filter((view) => !applies(view))];
}

/** Re-renders a card only when what it shows changed, so typing in a form is never lost. */
const shown = new Map<string, string>();
function render(state: AppState): void {
  latest = state;
  const now = Date.now();
  if (state.profiles.length === 0) {
    list.replaceChildren(
      h(
        'p',
        { class: 'empty' },
        `${t('noProfilesPopup')} `,
        h('a', { href: 'options.html', target: '_blank' }, t('addOne')),
      ),
    );
    shown.clear();
    return;
  }
  const cards = inTabOrder(state.profiles).map((view) => {
    const ownNotices = [...notices].filter(([key]) => parseAccountKey(key).profileId === view.id);
    const tabChoice = currentTab && accountInTab(state.tabChoices, currentTab.id, view.id);
    const key = stableJson([view, ownNotices, tabChoice]);
    const existing = list.querySelector<HTMLElement>(`[data-id="${CSS.escape(view.id)}"]`);
    if (existing && shown.get(view.id) === key) return existing;
    shown.set(view.id, key);
    const element = card(view, now);
    element.dataset.id = view.id;
    return element;
  });
  if (cards.some((c, i) => list.children[i] !== c) || list.children.length !== cards.length)
    list.replaceChildren(...cards);
}

function tick(): void {
  const now = Date.now();
  for (const state of list.querySelectorAll<HTMLElement>('.state[data-expires-at]')) {
    const view = latest.profiles.find((p) => p.id === state.closest<HTMLElement>('[data-id]')?.dataset.id);
    // An added account's line sits in its row; the card's own line is the default account's.
    const accountId = state.closest<HTMLElement>('li[data-account]')?.dataset.account;
    const account = accountId ? view?.accounts.find((a) => a.accountId === accountId) : undefined;
    if (account) state.textContent = describeAccount(account.status, now);
    else if (view && !accountId) state.textContent = describe(view.status, now);
  }
}

/** A team file's update that waits for the user's confirmation in the options page. */
function showWaitingUpdates(state: AppState): void {
  const notice = byId('subscription-notice');
  const waiting = state.subscriptions.filter((s) => s.pending && s.fetchedAt !== undefined);
  const expired = state.subscriptions.filter((s) => s.expired);
  const synced = state.sync.waiting ?? [];
  notice.hidden = waiting.length + expired.length + synced.length === 0;
  notice.textContent = [
    ...waiting.map((s) => t('popupUpdateWaits', s.name)),
    ...expired.map((s) => t('popupSubscriptionExpired', s.name)),
    ...synced.map((s) => t('popupSyncWaits', s.name)),
  ].join(' ');
}

function showState(state: AppState): void {
  render(state);
  showWaitingUpdates(state);
  // For the benchmarks: when the popup first showed the state.
  if (performance.getEntriesByName('autobearer:state-shown').length === 0)
    performance.mark('autobearer:state-shown');
}

byId('open-options').addEventListener('click', (event) => {
  event.preventDefault();
  void browser.runtime.openOptionsPage();
});
localizePage();
setInterval(tick, 1000);
followState(showState, (error) =>
  list.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message)),
);
// Found beside the first state, not before it: the popup shows the state as soon as it can.
void findCurrentTab().then(
  (tab) => {
    currentTab = tab;
    if (tab && performance.getEntriesByName('autobearer:state-shown').length > 0) render(latest);
  },
  () => undefined,
);
