// The pages' side of the protocol: one typed call per message, errors thrown as UserError.

import { browser } from '../platform/browser.js';
import { t } from '../platform/i18n.js';
import { type Envelope, type MessageType, type Protocol, type Reply, UserError } from './protocol.js';

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
