// The background's side of the protocol: checks who is asking, dispatches, and turns errors into data.

import { browser, type Runtime } from '../browser-api/browser.js';
import { t } from '../browser-api/i18n.js';
import { isOwnPage } from '../core/sender.js';
import { type Envelope, type Protocol, type Reply, UserError } from '../messages/protocol.js';
import type { Handlers } from './handlers.js';

function isEnvelope(message: unknown, handlers: object): message is Envelope {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as Envelope).type === 'string' &&
    Object.hasOwn(handlers, (message as Envelope).type)
  );
}

export async function handleMessage(
  handlers: Handlers,
  message: unknown,
  sender: Runtime.MessageSender,
): Promise<Reply<unknown> | undefined> {
  if (!isOwnPage(sender, browser.runtime.id, browser.runtime.getURL(''))) return undefined;
  if (!isEnvelope(message, handlers)) return { ok: false, error: t('unknownRequest') };
  const handler = handlers[message.type] as (
    request: unknown,
  ) => Promise<Protocol[keyof Protocol]['response']>;
  try {
    return { ok: true, value: await handler(message.payload ?? {}) };
  } catch (error) {
    if (error instanceof UserError) {
      return { ok: false, error: error.message, ...(error.problems ? { problems: error.problems } : {}) };
    }
    // Unexpected: the message (never a token; handlers put none in errors) goes to the user and the console.
    console.error('AutoBearer:', message.type, (error as Error).message);
    return { ok: false, error: t('somethingWrong', (error as Error).message) };
  }
}
