// The options page: list, add, edit, remove profiles; start from a template; import and export
// the profile file; team subscriptions; sync. Each part is its own module; this page wires them
// to the state the background publishes.
import '../browser-api/public-suffix-list.js'; // read when the form first validates
import { localizePage, t } from '../browser-api/i18n.js';
import { UNDO_MS } from '../core/schedule.js';
import type { AppState, ProfileView } from '../core/view.js';
import { followState, send } from '../messages/client.js';
import { byId, errorText, h, showOk, showProblems } from '../pages/dom.js';
import { extensionOrigin, redirectUrl, requestOrigins } from '../pages/page-browser.js';
import { LazyValidation, ProfileEditor } from './editor.js';
import { importAndExport } from './import-export.js';
import { ProfileList } from './profile-list.js';
import { Subscriptions } from './subscriptions.js';
import { renderSync } from './sync.js';
import { startFromTemplates } from './templates.js';

/** Where the page says how a save, an import, a removal went. */
const result = byId('file-result');
const validation = new LazyValidation();

const list: ProfileList = new ProfileList(byId('profile-list'), byId('managed-problems'), {
  edit: (view) => editor.open(view),
  duplicate: (view) => editor.open(view, { copy: true }),
  remove: (view) => void remove(view),
  grant: (view) => {
    // Straight from the click: the browser asks only with a user gesture.
    void requestOrigins(view.origins)
      .then(() => send('getState', {}))
      .then((state) => list.render(state));
  },
});
const editor = new ProfileEditor(validation, (state, message) => {
  list.render(state);
  showOk(result, message);
});
const subscriptions = new Subscriptions();

/** Removes at once, and offers "Undo" (with the sign-in) for as long as the background keeps it. */
async function remove(view: ProfileView): Promise<void> {
  list.render(await send('deleteProfile', { id: view.id }));
  const undo = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          list.render(await send('undoDelete', {}));
          showOk(result, t('restored', view.profile.name));
        } catch (error) {
          showProblems(result, errorText(error));
        }
      },
    },
    t('undo'),
  );
  showOk(result, `${t('removed', view.profile.name)} `);
  result.querySelector('p')?.append(undo);
  undo.focus();
  setTimeout(() => undo.remove(), UNDO_MS - 1_000);
}

byId('add-profile').addEventListener('click', () => editor.open());
startFromTemplates(editor, validation);
importAndExport((state) => list.render(state), result);
byId('redirect-url').textContent = redirectUrl();
byId('extension-origin').textContent = extensionOrigin();
localizePage();
followState(
  (state: AppState) => {
    list.render(state);
    subscriptions.render(state);
    renderSync(state);
  },
  (error) => showProblems(result, error.message),
);
