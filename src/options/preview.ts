// One profile of an import's preview, also a subscription update's: where its token goes,
// where a secret goes, what widens.

import { t } from '../browser-api/i18n.js';
import { type ImportPreviewItem, movedText } from '../core/import-preview.js';
import { h } from '../pages/dom.js';

/** One profile of the preview: where its token goes, where a secret goes, what widens. */
export function previewEntry(item: ImportPreviewItem): HTMLLIElement {
  const change = { new: t('previewNew'), changed: t('previewChanged'), unchanged: t('previewUnchanged') }[
    item.change
  ];
  return h(
    'li',
    { 'data-profile': item.name },
    h('strong', {}, item.name),
    ` (${change})`,
    h('p', {}, t('previewHosts', item.hosts.join(', '))),
    item.pages.length > 0 && h('p', {}, t('previewPages', item.pages.join(', '))),
    item.widened.length > 0 &&
      h(
        'p',
        { class: 'warning' },
        t(item.signedIn ? 'previewWidenedSignedIn' : 'previewWidened', item.widened.join(', ')),
      ),
    item.secretTo !== undefined && h('p', {}, t('previewSecret', item.secretTo)),
    ...item.moved.map((moved) => h('p', { class: 'warning' }, movedText(item.name, moved))),
    item.signsOut && h('p', { class: 'warning' }, t('previewSignsOut')),
    item.needsSecret && h('p', { class: 'warning' }, t('previewNeedsSecret')),
  );
}
