// The popup: every profile with its state, and the buttons to sign in, refresh, sign out; the
// profiles that apply to the tab it was opened on come first, with the account that tab uses.
// What a card shows is model.ts (pure), how it is drawn parts.ts; this page holds what the popup
// knows (the last state, the notices, the tab) and what a click does.
import { localizePage, t } from '../browser-api/i18n.js';
import { accountInTab, parseAccountKey } from '../core/accounts.js';
import { tabUrlFor } from '../core/rules.js';
import type { AppState, ProfileView } from '../core/view.js';
import { followState, send } from '../messages/client.js';
import { UserError } from '../messages/protocol.js';
import { byId, h, messageLine, stableJson } from '../pages/dom.js';
import {
  type CurrentTab,
  copyText,
  currentTab,
  extensionId,
  inFirefox,
  openOptionsPage,
  requestOrigins,
  requestPermission,
} from '../pages/page-browser.js';
import { cardModel, inTabOrder } from './model.js';
import { card, type Notice, type PopupPage } from './parts.js';

const EMPTY: AppState = {
  profiles: [],
  managedProblems: [],
  tabChoices: [],
  subscriptions: [],
  sync: { enabled: false },
  terminal: { allowed: true },
};

const errorText = (error: unknown): string => (error instanceof UserError ? error.message : String(error));

class Popup implements PopupPage {
  private latest = EMPTY;
  /** Per-account message from the last action (a sign-in's error...), kept across re-renders. */
  private readonly notices = new Map<string, Notice>();
  private tab: CurrentTab | undefined;
  /** What each card showed when drawn, by profile id: a card is drawn again only when it changed. */
  private readonly shown = new Map<string, string>();
  /** The lines that count down, by the profile whose card holds them. */
  private readonly clocks = new Map<string, Array<[HTMLElement, (now: number) => string]>>();
  /** The clocks of the card being drawn. */
  private drawing: Array<[HTMLElement, (now: number) => string]> = [];

  constructor(private readonly list: HTMLElement) {}

  clock<T extends HTMLElement>(line: T, text: (now: number) => string): T {
    this.drawing.push([line, text]);
    return line;
  }

  notice(key: string): Notice | undefined {
    return this.notices.get(key);
  }

  act(key: string, action: () => Promise<AppState>, done?: string): void {
    void (async () => {
      this.notices.delete(key);
      try {
        this.render(await action());
        if (done) this.notices.set(key, { text: done, error: false });
      } catch (error) {
        this.notices.set(key, { text: errorText(error), error: true });
      }
      // Only the card whose notice changed is drawn again: typing in another card is never lost.
      this.render(this.latest);
    })();
  }

  test(view: ProfileView): void {
    const url = view.profile.testUrl ?? '';
    this.notices.set(view.id, { text: t('testRunning', url), error: false });
    this.render(this.latest);
    void send('testRequest', { id: view.id })
      .then(
        ({ status, statusText, ms, redirected }) =>
          this.notices.set(view.id, {
            text: redirected ? t('testRedirected', url, ms) : t('testResult', url, status, statusText, ms),
            error: status >= 400,
          }),
        (error) => this.notices.set(view.id, { text: errorText(error), error: true }),
      )
      .finally(() => this.render(this.latest));
  }

  grant(view: ProfileView): void {
    // Called straight from the click: the browser asks only with a user gesture.
    void requestOrigins(view.origins)
      .then(() => send('getState', {}))
      .then((state) => this.render(state));
  }

  addAccount(id: string): void {
    // In the click itself (a user gesture, which Firefox requires): which page opens a tab
    // decides its account; without it AutoBearer goes by what tabs.onCreated says.
    void requestPermission('webNavigation');
    this.act(id, async () => (await send('addAccount', { id })).state);
  }

  copyCurl(view: ProfileView): void {
    const { id, profile } = view;
    // The clipboard takes the text only within the click's moment: asked at once, written when
    // the background answers (a popup keeps the focus meanwhile).
    this.act(
      id,
      async () => {
        const { command } = await send('curlCommand', { id });
        await copyText(command);
        return this.latest;
      },
      t('copiedAsCurl', profile.name),
    );
  }

  allowTerminal(id: string, hours: number | null): void {
    // In the click itself: the browser asks for a permission only with a user gesture.
    const permitted = requestPermission('nativeMessaging');
    this.act(id, async () => {
      if (!(await permitted)) throw new UserError(t('terminalNeedsPermission'));
      return send('setTerminalAccess', { id, hours });
    });
  }

  terminalHowTo(profileName: string): string {
    return inFirefox()
      ? t('terminalHowToFirefox', profileName)
      : t('terminalHowTo', profileName, extensionId());
  }

  terminalProblem(): string | undefined {
    return this.latest.terminal.problem;
  }

  useInTab(id: string, account: string): void {
    const tabId = this.tab?.id;
    if (tabId !== undefined) this.act(id, () => send('useInTab', { id, account, tabId }));
  }

  /** Draws the cards; a card only when what it shows changed, so typing in a form is never lost. */
  render(state: AppState): void {
    this.latest = state;
    const { list, tab } = this;
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
      this.shown.clear();
      this.clocks.clear();
      return;
    }
    const cards = inTabOrder(state.profiles, tab).map((view) => {
      const ownNotices = [...this.notices].filter(([key]) => parseAccountKey(key).profileId === view.id);
      const tabChoice = tab && accountInTab(state.tabChoices, tab.id, view.id);
      const key = stableJson([view, ownNotices, tabChoice, state.terminal]);
      const existing = list.querySelector<HTMLElement>(`[data-id="${CSS.escape(view.id)}"]`);
      if (existing && this.shown.get(view.id) === key) return existing;
      this.shown.set(view.id, key);
      const model = cardModel(view, now, tab, state.tabChoices, state.terminal.allowed);
      this.drawing = [];
      const element = card(view, model, this, now, tabUrlFor(view.profile));
      this.clocks.set(view.id, this.drawing);
      element.dataset.id = view.id;
      return element;
    });
    for (const id of this.clocks.keys())
      if (!state.profiles.some((view) => view.id === id)) this.clocks.delete(id);
    if (cards.some((c, i) => list.children[i] !== c) || list.children.length !== cards.length)
      list.replaceChildren(...cards);
  }

  /** The countdowns, once a second, from the state each card was drawn with. */
  tick(): void {
    const now = Date.now();
    for (const lines of this.clocks.values()) for (const [line, text] of lines) line.textContent = text(now);
  }

  /** The tab the popup is about, found beside the first state: it redraws the cards in its order. */
  setTab(tab: CurrentTab | undefined): void {
    this.tab = tab;
    if (tab && performance.getEntriesByName('autobearer:state-shown').length > 0) this.render(this.latest);
  }

  showError(error: Error): void {
    this.list.replaceChildren(messageLine(error.message, true));
  }
}

/** A team file's update, or another browser's change, that waits for the user in the options page. */
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

const popup = new Popup(byId('profiles'));
byId('open-options').addEventListener('click', (event) => {
  event.preventDefault();
  void openOptionsPage();
});
localizePage();
setInterval(() => popup.tick(), 1000);
followState(
  (state) => {
    popup.render(state);
    showWaitingUpdates(state);
    // For the benchmarks: when the popup first showed the state.
    if (performance.getEntriesByName('autobearer:state-shown').length === 0)
      performance.mark('autobearer:state-shown');
  },
  (error) => popup.showError(error),
);
// Found beside the first state, not before it: the popup shows the state as soon as it can.
void currentTab().then(
  (tab) => popup.setTab(tab),
  () => undefined,
);
