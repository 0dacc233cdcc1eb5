// The pages' side of the protocol: one typed call per message, errors thrown as UserError.

import { browser } from '../browser-api/browser.js';
import { t } from '../browser-api/i18n.js';
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
 * Shows the state the background last published (storage.session) at once, then the state it
 * answers now (one message, which also wakes the background), then each state it publishes: a
 * sign-in, a refresh, a change made in another page. The first look needs no round trip to a
 * background that the browser may have stopped.
 */
export function followState(show: (state: AppState) => void, failed: (error: Error) => void): void {
  /** Whether a state newer than the published copy was shown: that copy must not replace it. */
  let current = false;
  const showCurrent = (state: AppState) => {
    current = true;
    show(state);
  };
  browser.storage.onChanged.addListener((changes, area) => {
    const published = changes[PUBLISHED_STATE_KEY]?.newValue;
    if (area === 'session' && published) showCurrent(published as AppState);
  });
  void browser.storage.session.get(PUBLISHED_STATE_KEY).then(
    (items) => {
      const published = items[PUBLISHED_STATE_KEY] as AppState | undefined;
      if (published && !current) show(published);
    },
    () => undefined, // the answer below shows it
  );
  send('getState', {}).then(showCurrent, failed);
}
