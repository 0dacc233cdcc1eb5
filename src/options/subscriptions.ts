// The options page's team subscriptions (docs/teams.md): subscribe, see each one's state, apply
// or put off an update that waits, update now, unsubscribe.

import { browser } from '../browser-api/browser.js';
import { type MessageKey, t } from '../browser-api/i18n.js';
import { permissionOriginForUrl } from '../core/hosts.js';
import { send } from '../messages/client.js';
import type { AppState, SubscriptionView } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { byId, h, stableJson } from '../pages/dom.js';
import { previewEntry } from './preview.js';

const listElement = byId('subscription-list');
const form = byId<HTMLFormElement>('subscribe-form');
const problems = byId('subscribe-problems');
/** Per subscription, why its last action failed. */
const failures = new Map<string, string>();
let shown = '';
let latest: AppState | undefined;

const value = (name: string): string => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
const when = (at: number): string => new Date(at).toLocaleString();

function showProblem(message: string): void {
  problems.replaceChildren(h('p', {}, message));
  problems.className = 'problems';
  problems.setAttribute('role', 'alert');
  problems.hidden = false;
}

async function act(id: string, action: () => Promise<AppState>): Promise<void> {
  failures.delete(id);
  try {
    renderSubscriptions(await action());
  } catch (error) {
    failures.set(id, error instanceof UserError ? error.message : String(error));
    if (latest) renderSubscriptions(latest, { force: true });
  }
}

/** The messages a subscription's buttons send: each takes the subscription's id alone. */
type SubscriptionAction = 'discardSubscriptionUpdate' | 'checkSubscription' | 'unsubscribe';

/** A button that sends `type` for the subscription; named with it, for a screen reader's list. */
function button(view: SubscriptionView, label: MessageKey, name: MessageKey, type: SubscriptionAction) {
  const { id } = view;
  const onclick = () => void act(id, () => send(type, { id }));
  return h('button', { type: 'button', 'aria-label': t(name, view.name), onclick }, t(label));
}

function entry(view: SubscriptionView): HTMLLIElement {
  const { id, name, pending, lastCheck } = view;
  const failure = failures.get(id);
  return h(
    'li',
    { 'data-subscription': name },
    h('strong', {}, name),
    ` · ${t('subscriptionFrom', view.url)} · ${view.publicKey ? t('subscriptionSigned', view.publicKey) : t('subscriptionUnsigned')}`,
    h(
      'p',
      {},
      view.fetchedAt !== undefined
        ? t('subscriptionFetched', when(view.fetchedAt), view.profiles.join(', '))
        : t('subscriptionNoFile'),
    ),
    view.expired &&
      view.expiresAt !== undefined &&
      h('p', { class: 'warning', role: 'alert' }, t('subscriptionExpired', when(view.expiresAt))),
    lastCheck &&
      h(
        'p',
        { class: lastCheck.ok ? 'hint' : 'error', role: lastCheck.ok ? 'status' : 'alert' },
        lastCheck.ok
          ? t('subscriptionLastCheckOk', when(lastCheck.at))
          : t('subscriptionLastCheckFailed', when(lastCheck.at), lastCheck.message ?? ''),
      ),
    failure && h('p', { class: 'error', role: 'alert' }, failure),
    pending &&
      h(
        'div',
        { class: 'import-preview pending' },
        h('p', { class: 'warning' }, t('subscriptionWaits', name)),
        view.fetchedAt === undefined
          ? h('p', {}, t('subscriptionFirst'))
          : pending.widening.length > 0 &&
              h('p', { class: 'warning' }, t('subscriptionWaitsWiden', pending.widening.join('; '))),
        h('ul', { class: 'profile-list' }, ...pending.preview.profiles.map(previewEntry)),
        pending.preview.removed.length > 0 &&
          h('p', { class: 'warning' }, t('previewRemoved', pending.preview.removed.join(', '))),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('acceptUpdateLabel', view.name),
              // The file shown, by its digest: a newer one that arrived meanwhile is not applied unseen.
              onclick: () =>
                void act(id, () => send('acceptSubscriptionUpdate', { id, digest: pending.digest })),
            },
            t('acceptUpdate'),
          ),
          button(view, 'discardUpdate', 'discardUpdateLabel', 'discardSubscriptionUpdate'),
        ),
      ),
    h(
      'div',
      { class: 'actions' },
      button(view, 'updateNow', 'updateNowLabel', 'checkSubscription'),
      button(view, 'unsubscribe', 'unsubscribeLabel', 'unsubscribe'),
    ),
  );
}

/** Draws the subscriptions again when what they show changed. */
export function renderSubscriptions(state: AppState, { force = false } = {}): void {
  latest = state;
  const key = stableJson([state.subscriptions, [...failures]]);
  if (key === shown && !force) return;
  shown = key;
  listElement.replaceChildren(...state.subscriptions.map(entry));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  problems.hidden = true;
  const url = value('subUrl');
  let origin: string | undefined;
  try {
    origin = permissionOriginForUrl(url);
  } catch {
    origin = undefined; // the background says what is wrong with it
  }
  // Asked straight from the click: the browser asks only with a user gesture. Access to that
  // file's host only; the background refuses the file if it is not granted.
  const asked = origin
    ? browser.permissions.request({ origins: [origin] }).catch(() => false)
    : Promise.resolve(false);
  const publicKey = value('subKey');
  const request = {
    name: value('subName'),
    url,
    ...(publicKey ? { publicKey } : {}),
    everyHours: Number(value('subHours') || 24),
  };
  void asked.then(async () => {
    try {
      renderSubscriptions(await send('subscribe', request));
      form.reset();
    } catch (error) {
      showProblem(error instanceof UserError ? error.message : String(error));
    }
  });
});
