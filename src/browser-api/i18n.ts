// The browser's i18n behind the core's messages, and the pages' `data-i18n` attributes.
import { type MessageKey, t, useTranslate } from '../core/text.js';
import { browser } from './browser.js';

export { type MessageKey, type Translate, t } from '../core/text.js';

// A missing key is a bug: it shows as such.
useTranslate(
  (key, ...substitutions) => browser.i18n.getMessage(key, substitutions.map(String)) || `[${key}]`,
);

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
