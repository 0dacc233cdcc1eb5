// The options page's team subscriptions (docs/teams.md): subscribe, see each one's state, apply
// or put off an update that waits, update now, unsubscribe.

import { type MessageKey, t } from '../browser-api/i18n.js';
import { permissionOriginForUrl } from '../core/hosts.js';
import type { AppState, SubscriptionView } from '../core/view.js';
import { send } from '../messages/client.js';
import { byId, errorText, h, messageLine, showProblems, stableJson } from '../pages/dom.js';
import { requestOrigins } from '../pages/page-browser.js';
import { previewEntry } from './preview.js';

const when = (at: number): string => new Date(at).toLocaleString();

/** The messages a subscription's buttons send: each takes the subscription's id alone. */
type SubscriptionAction = 'discardSubscriptionUpdate' | 'checkSubscription' | 'unsubscribe';

export class Subscriptions {
  private readonly list = byId('subscription-list');
  private readonly form = byId<HTMLFormElement>('subscribe-form');
  private readonly problems = byId('subscribe-problems');
  /** Per subscription, why its last action failed. */
  private readonly failures = new Map<string, string>();
  /** What the list showed when last drawn. */
  private shown = '';
  private latest: AppState | undefined;

  constructor() {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.subscribe();
    });
  }

  /** Draws the subscriptions again when what they show changed. */
  render(state: AppState, { force = false } = {}): void {
    this.latest = state;
    const key = stableJson([state.subscriptions, [...this.failures]]);
    if (key === this.shown && !force) return;
    this.shown = key;
    this.list.replaceChildren(...state.subscriptions.map((view) => this.entry(view)));
  }

  private async act(id: string, action: () => Promise<AppState>): Promise<void> {
    this.failures.delete(id);
    try {
      this.render(await action());
    } catch (error) {
      this.failures.set(id, errorText(error));
      if (this.latest) this.render(this.latest, { force: true });
    }
  }

  /** A button that sends `type` for the subscription; named with it, for a screen reader's list. */
  private button(view: SubscriptionView, label: MessageKey, name: MessageKey, type: SubscriptionAction) {
    const { id } = view;
    const onclick = () => void this.act(id, () => send(type, { id }));
    return h('button', { type: 'button', 'aria-label': t(name, view.name), onclick }, t(label));
  }

  private entry(view: SubscriptionView): HTMLLIElement {
    const { id, name, pending, lastCheck } = view;
    const failure = this.failures.get(id);
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
      failure && messageLine(failure, true),
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
                  void this.act(id, () => send('acceptSubscriptionUpdate', { id, digest: pending.digest })),
              },
              t('acceptUpdate'),
            ),
            this.button(view, 'discardUpdate', 'discardUpdateLabel', 'discardSubscriptionUpdate'),
          ),
        ),
      h(
        'div',
        { class: 'actions' },
        this.button(view, 'updateNow', 'updateNowLabel', 'checkSubscription'),
        this.button(view, 'unsubscribe', 'unsubscribeLabel', 'unsubscribe'),
      ),
    );
  }

  private subscribe(): void {
    const { form, problems } = this;
    const value = (name: string): string => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
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
    const asked = origin ? requestOrigins([origin]) : Promise.resolve(false);
    const publicKey = value('subKey');
    const request = {
      name: value('subName'),
      url,
      ...(publicKey ? { publicKey } : {}),
      everyHours: Number(value('subHours') || 24),
    };
    void asked.then(async () => {
      try {
        this.render(await send('subscribe', request));
        form.reset();
      } catch (error) {
        showProblems(problems, errorText(error));
      }
    });
  }
}
