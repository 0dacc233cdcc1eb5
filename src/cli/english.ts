// The English messages as the browser's i18n would give them, for code that runs in Node (the
// command-line tools, the tests). Strict: an unknown key throws, so a missing message shows.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MessageKey, Translate } from '../core/text.js';

const messages = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../extension/_locales/en/messages.json', import.meta.url)), 'utf8'),
) as Record<string, { message: string }>;

export const englishMessages: Translate = (key: MessageKey, ...substitutions) => {
  const entry = messages[key];
  if (!entry) throw new Error(`no message "${key}" in _locales/en`);
  return entry.message.replace(/\$(\d)/g, (_, n: string) => String(substitutions[Number(n) - 1] ?? ''));
};
