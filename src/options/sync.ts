// The options page's profile sync switch (background/sync.ts): on or off in this browser, and
// how the last sync went (a total above the browser's quota says so here).
import { send } from '../messages/client.js';
import type { AppState } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { byId } from '../pages/dom.js';
import { t } from '../platform/i18n.js';

const box = byId<HTMLInputElement>('sync-enabled');
const status = byId('sync-status');

export function renderSync({ sync }: AppState): void {
  box.checked = sync.enabled;
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
    status.textContent = error instanceof UserError ? error.message : String(error);
  }
});
