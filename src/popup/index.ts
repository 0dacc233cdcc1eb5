// The popup: every profile with its state, and the buttons to sign in, refresh, sign out.
import { secretDestination, signInMethod } from '../core/auth-requests.js';
import { tabUrlFor } from '../core/rules.js';
import type { PublicStatus } from '../core/session.js';
import { followState, send } from '../messages/client.js';
import type { AppState, ProfileView } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { byId, countdown, h, plainHttpWarning, stableJson } from '../pages/dom.js';
import { browser } from '../platform/browser.js';
import { localizePage, t } from '../platform/i18n.js';

const list = byId('profiles');
/** Per-profile message from the last action (sign-in error etc.), kept across re-renders. */
const notices = new Map<string, { text: string; error: boolean }>();
let latest: AppState = { profiles: [], managedProblems: [] };

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

async function act(id: string, action: () => Promise<AppState>, done?: string): Promise<void> {
  notices.delete(id);
  try {
    render(await action());
    if (done) notices.set(id, { text: done, error: false });
  } catch (error) {
    notices.set(id, { text: error instanceof UserError ? error.message : String(error), error: true });
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

function signInForm(view: ProfileView): HTMLFormElement {
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
    const payload = { id: view.id, username: username.value, password: password.value };
    password.value = '';
    void act(view.id, () => send('signIn', payload));
  });
  return form;
}

function tokenForm(view: ProfileView): HTMLFormElement {
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
    const payload = { id: view.id, token: token.value, ...(lifetimeSeconds ? { lifetimeSeconds } : {}) };
    token.value = '';
    void act(view.id, () => send('useToken', payload));
  });
  return form;
}

function providerButton(view: ProfileView, label: string): HTMLElement {
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        type: 'submit',
        // The provider's page takes the focus and may close the popup: the background finishes
        // the sign-in, and the popup shows the result when it opens again.
        onclick: () => void act(view.id, () => send('signInWithProvider', { id: view.id })),
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

function signInControls(view: ProfileView): HTMLElement {
  if (view.profile.auth.kind === 'oauth2-client-credentials' && !view.hasClientSecret)
    return secretForm(view);
  switch (signInMethod(view.profile.auth)) {
    case 'password':
      return signInForm(view);
    case 'provider':
      return providerButton(view, t('signIn'));
    case 'connect':
      return providerButton(view, t('connect'));
    case 'token':
      return tokenForm(view);
  }
}

function card(view: ProfileView, now: number): HTMLElement {
  const { id, profile, status } = view;
  const notice = notices.get(id);
  const signedIn =
    status.phase === 'signed-in' || status.phase === 'retrying' || status.phase === 'refreshing';
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
    notice &&
      h(
        'p',
        { class: notice.error ? 'error' : 'notice', role: notice.error ? 'alert' : 'status' },
        notice.text,
      ),
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
  );
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
  const cards = state.profiles.map((view) => {
    const key = stableJson([view, notices.get(view.id)]);
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
    if (view) state.textContent = describe(view.status, now);
  }
}

function showState(state: AppState): void {
  render(state);
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
