// The pages' side of the protocol: one typed call per message, errors thrown as UserError.

import { browser } from '../platform/browser.js';
import { t } from '../platform/i18n.js';
import {
  type AppState,
  type Envelope,
  type MessageType,
  type Protocol,
  PUBLISHED_STATE_KEY,
  type Reply,
  UserError,
} from './protocol.js';

export async function send<T extends MessageType>(
  type: T,
  payload: Protocol[T]['request'],
): Promise<Protocol[T]['response']> {
  const envelope: Envelope<T> = { type, payload };
  const reply = (await browser.runtime.sendMessage(envelope)) as Reply<Protocol[T]['response']> | undefined;
  if (!reply) throw new UserError(t('backgroundSilent'));
  if (!reply.ok) throw new UserError(reply.error, reply.problems);
  return reply.value;
}

/**
 * Shows the state now (one message, which also wakes the background), then each state the
 * background publishes: a sign-in, a refresh, a change made in another page.
 */
export function followState(show: (state: AppState) => void, failed: (error: Error) => void): void {
  browser.storage.onChanged.addListener((changes, area) => {
    const published = changes[PUBLISHED_STATE_KEY]?.newValue;
    if (area === 'session' && published) show(published as AppState);
  });
  send('getState', {}).then(show, failed);
}
