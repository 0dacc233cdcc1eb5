// The popup's parts, drawn from the model (model.ts): a profile's card, its accounts' rows, the
// sign-in forms. Each is a function of what it is given; what a click does is the page's (index.ts).
import { accountKey, DEFAULT_ACCOUNT } from '../core/accounts.js';
import { secretDestination } from '../core/auth-requests.js';
import { t } from '../core/text.js';
import type { AppState, ProfileView } from '../core/view.js';
import { send } from '../messages/client.js';
import { h, messageLine, plainHttpWarning } from '../pages/dom.js';
import {
  type AccountAction,
  type AccountRow,
  type CardAction,
  type CardModel,
  describe,
  describeAccount,
  type SignInControl,
} from './model.js';

/** A message target: a profile's account ('' the default). */
export type Target = { id: string; account?: string };

/** Notices go by account key: the profile's id for its default account. */
export const noticeKey = ({ id, account = DEFAULT_ACCOUNT }: Target): string => accountKey(id, account);

export interface Notice {
  readonly text: string;
  readonly error: boolean;
}

/** What the parts ask of the page. */
export interface PopupPage {
  /** Sends a message; its outcome (an error, or `done`) shows as `key`'s notice. */
  act(key: string, action: () => Promise<AppState>, done?: string): void;
  /** "Test": one request to the profile's test URL, its outcome as the card's notice. */
  test(view: ProfileView): void;
  /** Asks for the hosts the profile lacks (from the click). */
  grant(view: ProfileView): void;
  addAccount(id: string): void;
  useInTab(id: string, account: string): void;
  notice(key: string): Notice | undefined;
  /** "Copy as curl": the command for the test URL, with the live token, on the clipboard. */
  copyCurl(view: ProfileView): void;
  /** Turns terminal access on for `hours` (null: until the browser closes), from the click. */
  allowTerminal(id: string, hours: number | null): void;
  /** How to use it from a terminal (the command, and how to install the bridge). */
  terminalHowTo(profileName: string): string;
  /** Why the bridge is down, if it is. */
  terminalProblem(): string | undefined;
  /** A line that counts down: the page writes `text(now)` into it every second. */
  clock<T extends HTMLElement>(line: T, text: (now: number) => string): T;
}

function noticeLine(page: PopupPage, key: string): HTMLElement | false {
  const notice = page.notice(key);
  return !!notice && messageLine(notice.text, notice.error);
}

function signInForm(view: ProfileView, target: Target, page: PopupPage): HTMLFormElement {
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
    page.act(noticeKey(target), () => send('signIn', payload));
  });
  return form;
}

function tokenForm(view: ProfileView, target: Target, page: PopupPage): HTMLFormElement {
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
    page.act(noticeKey(target), () => send('useToken', payload));
  });
  return form;
}

function providerButton(target: Target, label: string, page: PopupPage): HTMLElement {
  // The provider's page takes the focus and may close the popup: the background finishes
  // the sign-in, and the popup shows the result when it opens again.
  const onclick = () => page.act(noticeKey(target), () => send('signInWithProvider', target));
  return h('div', { class: 'actions' }, h('button', { type: 'submit', onclick }, label));
}

/** "Connect" for a machine identity whose secret is not stored (an imported or shared file). */
function secretForm(view: ProfileView, page: PopupPage): HTMLFormElement {
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
    page.act(view.id, () => send('signInWithProvider', payload));
  });
  return form;
}

function signInPart(view: ProfileView, control: SignInControl, target: Target, page: PopupPage): HTMLElement {
  switch (control) {
    case 'client-secret':
      return secretForm(view, page);
    case 'password':
      return signInForm(view, target, page);
    case 'provider':
      return providerButton(target, t('signIn'), page);
    case 'connect':
      return providerButton(target, t('connect'), page);
    case 'token':
      return tokenForm(view, target, page);
  }
}

const button = (label: string, onclick: () => void, attributes: Record<string, string> = {}) =>
  h('button', { type: 'button', ...attributes, onclick }, label);

function accountButton(action: AccountAction, view: ProfileView, row: AccountRow, page: PopupPage) {
  const { id } = view;
  const { accountId, label } = row;
  const target = { id, account: accountId };
  const key = noticeKey(target);
  switch (action) {
    case 'use-in-this-tab':
      return button(t('useInThisTab'), () => page.useInTab(id, accountId), {
        'aria-label': t('useInThisTabLabel', label),
      });
    case 'open-tab':
      return button(t('openTab'), () => page.act(key, () => send('openInTab', target)), {
        'aria-label': t('openTabAs', label),
      });
    case 'refresh':
      return button(t('refreshNow'), () => page.act(key, () => send('refreshNow', target)), {
        'aria-label': t('refreshAccountLabel', label),
      });
    case 'sign-out':
      return button(t('signOut'), () => page.act(key, () => send('signOut', target)), {
        'aria-label': t('signOutAccountLabel', label),
      });
    case 'remove':
      return button(
        t('removeAccount'),
        () => page.act(id, () => send('removeAccount', { id, account: accountId })),
        { 'aria-label': t('removeAccountLabel', label) },
      );
  }
}

function accountRow(view: ProfileView, row: AccountRow, page: PopupPage, now: number): HTMLElement {
  const { added } = row;
  const target = { id: view.id, account: row.accountId };
  return h(
    'li',
    {
      class: `account phase-${(added?.status ?? view.status).phase}`,
      'data-account': row.accountId || '1',
      'data-label': row.label,
    },
    h(
      'p',
      { class: 'account-state' },
      h('strong', {}, row.label),
      row.isDefault ? ` (${t('defaultAccount')})` : '',
      row.usedInThisTab ? h('span', { class: 'this-tab' }, ` · ${t('usedInThisTab')}`) : '',
      added ? ' · ' : '',
      added &&
        page.clock(h('span', { class: 'state' }, describeAccount(added.status, now)), (at) =>
          describeAccount(added.status, at),
        ),
    ),
    added?.status.error && messageLine(added.status.error, true),
    added && noticeLine(page, noticeKey(target)),
    added?.signIn !== undefined && signInPart(view, added.signIn, target, page),
    h('div', { class: 'actions' }, ...row.actions.map((action) => accountButton(action, view, row, page))),
  );
}

function accountsPart(view: ProfileView, model: CardModel, page: PopupPage, now: number) {
  const accounts = model.accounts;
  if (!accounts) return false;
  const add = h(
    'button',
    { type: 'button', class: 'add-account', onclick: () => page.addAccount(view.id) },
    t('addAccount'),
  );
  if (accounts.kind === 'add') return h('div', { class: 'actions' }, add);
  return h(
    'section',
    { class: 'accounts', 'aria-label': t('accountsHeading') },
    h('ul', {}, ...accounts.rows.map((row) => accountRow(view, row, page, now))),
    h('div', { class: 'actions' }, add),
  );
}

function cardButton(action: CardAction, view: ProfileView, page: PopupPage, tabUrl: string | undefined) {
  const { id, profile } = view;
  switch (action) {
    case 'refresh':
      return button(t('refreshNow'), () => page.act(id, () => send('refreshNow', { id })));
    case 'test':
      return button(t('test'), () => page.test(view), { title: `GET ${profile.testUrl}` });
    case 'copy-curl':
      return button(t('copyAsCurl'), () => page.copyCurl(view), { title: `curl ${profile.testUrl}` });
    case 'open-in-tab':
      return button(t('openInTab'), () => page.act(id, () => send('openInTab', { id })), {
        title: t('openInTabTitle', tabUrl ?? ''),
      });
    case 'sign-out':
      return button(t('signOut'), () => page.act(id, () => send('signOut', { id })));
  }
}

/** A profile's card. `tabUrl`: where "Open in a tab" goes. */
export function card(
  view: ProfileView,
  model: CardModel,
  page: PopupPage,
  now: number,
  tabUrl: string | undefined,
): HTMLElement {
  const { id, profile, status } = view;
  const enabled = h('input', {
    type: 'checkbox',
    role: 'switch',
    'aria-label': t('enabledSwitch', profile.name),
    checked: profile.enabled,
    disabled: view.managed,
    onchange: (event: Event) => {
      const checked = (event.target as HTMLInputElement).checked;
      page.act(id, () => send('setEnabled', { id, enabled: checked }));
    },
  });
  return h(
    'section',
    { class: `profile phase-${status.phase}`, 'data-profile': profile.name, 'aria-label': profile.name },
    h('header', {}, h('h2', {}, profile.name), h('label', { class: 'switch' }, enabled)),
    h('p', { class: 'hosts' }, profile.hosts.join(', ')),
    page.clock(h('p', { class: 'state' }, model.stateText), (at) => describe(status, at)),
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
    status.error && messageLine(status.error, true),
    status.expiryDoubtful && h('p', { class: 'warning' }, t('expiryLooksWrong')),
    plainHttpWarning(view.plainHttp, true),
    view.missingOrigins.length > 0 &&
      h(
        'p',
        { class: 'warning' },
        `${t('noAccess', view.missingOrigins.join(', '))} `,
        button(t('grantAccess'), () => page.grant(view)),
      ),
    noticeLine(page, id),
    model.signIn !== undefined && signInPart(view, model.signIn, { id }, page),
    model.actions.length > 0 &&
      h(
        'div',
        { class: 'actions' },
        ...model.actions.map((action) => cardButton(action, view, page, tabUrl)),
      ),
    terminalPart(view, model, page),
    accountsPart(view, model, page, now),
  );
}

const at = (time: number): string =>
  new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Terminal access: "Allow for …" while off; until when, its use and "Turn off" while on. */
function terminalPart(view: ProfileView, model: CardModel, page: PopupPage): HTMLElement | false {
  const part = model.terminal;
  if (!part) return false;
  const { id, profile } = view;
  const problem = page.terminalProblem();
  if (part.kind === 'offer') {
    const length = h(
      'select',
      { name: 'terminal-hours', 'aria-label': t('terminalFor') },
      h('option', { value: '1' }, t('terminalOneHour')),
      h('option', { value: '8' }, t('terminalEightHours')),
      h('option', { value: 'close' }, t('terminalUntilClose')),
    );
    const allow = () => page.allowTerminal(id, length.value === 'close' ? null : Number(length.value));
    return h(
      'section',
      { class: 'terminal', 'aria-label': t('terminalHeading') },
      h(
        'div',
        { class: 'actions' },
        button(t('terminalAllow'), allow, { 'aria-label': t('terminalAllowLabel', profile.name) }),
        length,
      ),
    );
  }
  return h(
    'section',
    { class: 'terminal on', 'aria-label': t('terminalHeading') },
    h('p', {}, part.until === null ? t('terminalOnUntilClose') : t('terminalOnUntil', at(part.until))),
    h(
      'p',
      { class: 'note' },
      part.handedOut > 0 && part.lastAt !== undefined
        ? t('terminalUse', part.handedOut, at(part.lastAt))
        : t('terminalUnused'),
    ),
    // The bridge down (not installed, say): why, and the way to install it, both.
    problem && h('p', { class: 'warning', role: 'alert' }, problem),
    h('p', { class: 'note' }, page.terminalHowTo(profile.name)),
    h(
      'div',
      { class: 'actions' },
      button(t('terminalTurnOff'), () => page.act(id, () => send('endTerminalAccess', { id })), {
        'aria-label': t('terminalTurnOffLabel', profile.name),
      }),
    ),
  );
}
