// Every user-visible string of the pages comes from _locales through here.
import { browser } from './browser.js';

/** The keys of the English messages, which are complete: a typo fails the type check. */
export type MessageKey = Exclude<keyof typeof import('../../extension/_locales/en/messages.json'), 'default'>;

export type Translate = (key: MessageKey, ...substitutions: Array<string | number>) => string;

/** The message for `key`, with `$1`… replaced by `substitutions`. A missing key is a bug: it shows as such. */
export function t(key: MessageKey, ...substitutions: Array<string | number>): string {
  const message = browser.i18n.getMessage(key, substitutions.map(String));
  return message || `[${key}]`;
}

/** Fills `data-i18n` elements' text and `data-i18n-<attribute>` attributes from _locales. */
export function localizePage(root: ParentNode = document): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as MessageKey);
  }
  for (const element of root.querySelectorAll<HTMLElement>('*')) {
    for (const attribute of element.getAttributeNames()) {
      if (!attribute.startsWith('data-i18n-')) continue;
      element.setAttribute(
        attribute.slice('data-i18n-'.length),
        t(element.getAttribute(attribute) as MessageKey),
      );
    }
  }
}
