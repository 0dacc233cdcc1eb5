// The profile file: import (a preview of what it would change first; Import stores it, Cancel
// changes nothing) and export (never with a secret: it says whose must be entered again).
import { t } from '../browser-api/i18n.js';
import type { ImportPreview } from '../core/import-preview.js';
import { MAX_FILE_BYTES } from '../core/valid-profile.js';
import type { AppState } from '../core/view.js';
import { send } from '../messages/client.js';
import { UserError } from '../messages/protocol.js';
import { byId, h, showOk, showProblems } from '../pages/dom.js';
import { previewEntry } from './preview.js';

/** `render`: draws the state an import answers; `result`: the page's result area. */
export function importAndExport(render: (state: AppState) => void, result: HTMLElement): void {
  const previewArea = byId('import-preview');
  const refused = (fileName: string, error: unknown) => {
    if (error instanceof UserError)
      showProblems(result, t('fileRefused', fileName), error.problems ?? [error.message]);
    else showProblems(result, String(error));
  };

  const importFile = async (fileName: string, text: string) => {
    try {
      const state = await send('importFile', { text });
      render(state);
      showOk(
        result,
        state.profiles.length === 1
          ? t('importedOne', fileName)
          : t('imported', state.profiles.length, fileName),
      );
    } catch (error) {
      refused(fileName, error);
    }
  };

  /** Shows what the file would change; `Import` stores it, `Cancel` changes nothing. */
  const showPreview = (fileName: string, text: string, preview: ImportPreview) => {
    result.hidden = true;
    const title = h('h3', { tabindex: -1 }, t('importPreviewTitle', fileName));
    const close = () => {
      previewArea.hidden = true;
      previewArea.replaceChildren();
    };
    const confirm = () => {
      close();
      void importFile(fileName, text);
    };
    const cancel = () => {
      close();
      showOk(result, t('importCancelled', fileName));
    };
    previewArea.replaceChildren(
      title,
      h('ul', { class: 'profile-list' }, ...preview.profiles.map(previewEntry)),
      ...(preview.removed.length > 0
        ? [h('p', { class: 'warning' }, t('previewRemoved', preview.removed.join(', ')))]
        : []),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: confirm }, t('importConfirm')),
        h('button', { type: 'button', onclick: cancel }, t('importCancel')),
      ),
    );
    previewArea.hidden = false;
    title.focus();
  };

  byId<HTMLInputElement>('import-file').addEventListener('change', async (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    previewArea.hidden = true;
    if (file.size > MAX_FILE_BYTES) {
      return showProblems(result, t('fileRefused', file.name), [t('fileTooLarge', file.size)]);
    }
    try {
      const text = await file.text();
      showPreview(file.name, text, await send('previewImport', { text }));
    } catch (error) {
      refused(file.name, error);
    }
  });

  byId('export-file').addEventListener('click', async () => {
    const { text, withoutSecret } = await send('exportFile', {});
    if (withoutSecret.length > 0) showOk(result, t('exportedWithoutSecrets', withoutSecret.join(', ')));
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = h('a', { href: url, download: 'autobearer-profiles.json' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
}
