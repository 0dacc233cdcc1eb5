// The English messages as the browser's i18n would give them, for tests outside a browser.
// Importing this module makes them the core's messages. Strict: an unknown key throws, so a
// test catches a message missing from _locales.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type MessageKey, type Translate, useTranslate } from '../../src/core/text.js';

const messages = JSON.parse(
  readFileSync(path.resolve('extension/_locales/en/messages.json'), 'utf8'),
) as Record<string, { message: string }>;

export const englishMessages: Translate = (key: MessageKey, ...substitutions) => {
  const entry = messages[key];
  if (!entry) throw new Error(`no message "${key}" in _locales/en`);
  return entry.message.replace(/\$(\d)/g, (_, n: string) => String(substitutions[Number(n) - 1] ?? ''));
};

useTranslate(englishMessages);
