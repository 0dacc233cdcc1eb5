// The options page's profile sync switch (background/sync.ts): on or off in this browser, and
// how the last sync went (a total above the browser's quota says so here).

import { t } from '../browser-api/i18n.js';
import { send } from '../messages/client.js';
import type { AppState, SyncWaitingView } from '../messages/protocol.js';
import { byId, errorText, h, messageLine } from '../pages/dom.js';
import { previewEntry } from './preview.js';

const box = byId<HTMLInputElement>('sync-enabled');
const status = byId('sync-status');
const waitingList = byId('sync-waiting');

export function renderSync({ sync }: AppState): void {
  box.checked = sync.enabled;
  waitingList.replaceChildren(...(sync.waiting ?? []).map(waitingEntry));
  const { last } = sync;
  status.hidden = !sync.enabled || !last;
  if (!last) return;
  const at = new Date(last.at).toLocaleString();
  status.textContent = last.ok ? t('syncLastOk', at) : t('syncLastFailed', at, last.message ?? '');
  status.className = last.ok ? 'hint' : 'error';
  status.setAttribute('role', last.ok ? 'status' : 'alert');
}

box.addEventListener('change', async () => {
  try {
    renderSync(await send('setSync', { enabled: box.checked }));
  } catch (error) {
    status.hidden = false;
    status.className = 'error';
    status.textContent = errorText(error);
  }
});

/** Sends `action` and draws what it answers; a refusal (a newer change arrived) shows where it was. */
async function settle(entry: HTMLElement, action: () => Promise<AppState>): Promise<void> {
  try {
    renderSync(await action());
  } catch (error) {
    entry.append(messageLine(errorText(error), true));
  }
}

/** Another browser's version that widens a profile here: its preview, Accept and Keep mine. */
function waitingEntry(waiting: SyncWaitingView): HTMLElement {
  const { name, changedAt } = waiting;
  const entry: HTMLElement = h(
    'div',
    { class: 'import-preview pending', 'data-sync-waiting': name },
    h('p', { class: 'warning' }, t('syncWaits', name)),
    h('p', { class: 'warning' }, waiting.widening.join('; ')),
    h('ul', { class: 'profile-list' }, previewEntry(waiting.item)),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'aria-label': t('syncAcceptLabel', name),
          onclick: () => void settle(entry, () => send('acceptSyncedChange', { name, changedAt })),
        },
        t('syncAccept'),
      ),
      h(
        'button',
        {
          type: 'button',
          'aria-label': t('syncKeepMineLabel', name),
          onclick: () => void settle(entry, () => send('discardSyncedChange', { name })),
        },
        t('syncKeepMine'),
      ),
    ),
  );
  return entry;
}
