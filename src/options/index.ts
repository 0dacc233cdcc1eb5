// The options page: list, add, edit, remove profiles; import and export the profile file.

import { browser } from '../browser-api/browser.js';
import { isAuthKind, traitsOf } from '../core/auth-kinds.js';
import { issuerOf } from '../core/auth-requests.js';
import type { ImportPreview } from '../core/import-preview.js';
import { originsFor } from '../core/permissions.js';
import type { Profile, Validated } from '../core/profile.js';
import {
  FieldProblem,
  fieldsFromProfile,
  type ProfileFields,
  profileFromFields,
} from '../core/profile-form.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { UNDO_MS } from '../core/schedule.js';
import { TEMPLATES, templateById } from '../core/templates.js';
import { MAX_FILE_BYTES } from '../core/valid-profile.js';
import { followState, send } from '../messages/client.js';
import type { AppState, ProfileView } from '../messages/protocol.js';
import { UserError } from '../messages/protocol.js';
import { byId, h, pagesReachNote, plainHttpWarning, stableJson } from '../pages/dom.js';
import '../browser-api/public-suffix-list.js'; // read when the form first validates
import { localizePage, t } from '../browser-api/i18n.js';
import { previewEntry } from './preview.js';
import { renderSubscriptions } from './subscriptions.js';
import { renderSync } from './sync.js';

/**
 * The profile schema (valibot) and the Public Suffix List it checks hosts against: most of this
 * page's weight, loaded when the form or a template needs it, not when the page opens.
 */
let validation: typeof import('../core/profile.js') | undefined;
const loadValidation = async (): Promise<typeof import('../core/profile.js')> => {
  const [schema] = await Promise.all([
    import(/* webpackChunkName: "validation" */ '../core/profile.js'),
    publicSuffixListReady(),
  ]);
  validation ??= schema;
  return validation;
};
const validateProfile = async (input: unknown): Promise<Validated<Profile>> =>
  (await loadValidation()).validateProfile(input);

const listElement = byId('profile-list');
const form = byId<HTMLFormElement>('profile-form');
const formTitle = byId('form-title');
const formProblems = byId('form-problems');
const fileResult = byId('file-result');
let editing: ProfileView | undefined;

const field = <T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(name: string): T => {
  const element = form.elements.namedItem(name);
  if (!element) throw new Error(`form field ${name} is missing`);
  return element as T;
};

function showProblems(target: HTMLElement, message: string, problems: readonly string[] = []): void {
  target.replaceChildren(h('p', {}, message));
  if (problems.length > 0) target.append(h('ul', {}, ...problems.map((problem) => h('li', {}, problem))));
  target.className = 'problems';
  target.setAttribute('role', 'alert');
  target.hidden = false;
}

function showOk(target: HTMLElement, message: string): void {
  target.replaceChildren(h('p', {}, message));
  target.className = 'ok';
  target.setAttribute('role', 'status');
  target.hidden = false;
}

// ---- the list ------------------------------------------------------------------------------

function grantButton(view: ProfileView): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      onclick: () => {
        void browser.permissions.request({ origins: [...view.origins] }).then(() => load());
      },
    },
    t('grantAccess'),
  );
}

let shownList = '';

/** The organization's and the subscriptions' profiles are changed where they come from. */
const readOnly = (view: ProfileView): boolean => view.managed || view.subscription !== undefined;

/** Re-renders the list only when what it shows changed, so focus and clicks are never lost. */
function renderList(state: AppState): void {
  const managed = byId('managed-problems');
  managed.hidden = state.managedProblems.length === 0;
  if (!managed.hidden) showProblems(managed, t('managedRefused'), state.managedProblems);
  const key = stableJson(
    state.profiles.map(({ id, profile, missingOrigins }) => [id, profile, missingOrigins]),
  );
  if (key === shownList) return;
  shownList = key;
  if (state.profiles.length === 0) {
    listElement.replaceChildren(h('p', { class: 'empty' }, t('noProfilesOptions')));
    return;
  }
  // A redraw (a permission granted, a sync) must not take the focus from a keyboard user: the
  // button named the same in the new list gets it back.
  const focused = listElement.contains(document.activeElement)
    ? document.activeElement?.getAttribute('aria-label')
    : null;
  listElement.replaceChildren(
    ...state.profiles.map((view) => {
      const { name } = view.profile;
      return h(
        'li',
        { 'data-profile': name },
        h('strong', {}, name),
        ` · ${view.profile.auth.kind} · ${view.profile.hosts.join(', ')}${view.profile.enabled ? '' : ` · ${t('disabled')}`}${view.managed ? ` · ${t('managed')}` : ''}${view.subscription !== undefined ? ` · ${t('fromSubscription', view.subscription)}` : ''}`,
        plainHttpWarning(view.plainHttp),
        pagesReachNote(view.profile),
        view.missingOrigins.length > 0 &&
          h(
            'p',
            { class: 'warning' },
            `${t('missingPermission', view.missingOrigins.join(', '))} `,
            grantButton(view),
          ),
        h(
          'div',
          { class: 'actions' },
          // Named with their profile: a list of "Edit" buttons says nothing to a screen reader.
          !readOnly(view) &&
            h(
              'button',
              { type: 'button', 'aria-label': t('editProfile', name), onclick: () => openForm(view) },
              t('edit'),
            ),
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('duplicateProfile', name),
              onclick: () => openForm(view, { copy: true }),
            },
            t('duplicate'),
          ),
          !readOnly(view) &&
            h(
              'button',
              { type: 'button', 'aria-label': t('removeProfile', name), onclick: () => void remove(view) },
              t('remove'),
            ),
        ),
      );
    }),
  );
  if (focused) {
    for (const button of listElement.querySelectorAll<HTMLElement>('[aria-label]')) {
      if (button.getAttribute('aria-label') === focused) button.focus();
    }
  }
}

/** Removes at once, and offers "Undo" (with the sign-in) for as long as the background keeps it. */
async function remove(view: ProfileView): Promise<void> {
  renderList(await send('deleteProfile', { id: view.id }));
  const undo = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          renderList(await send('undoDelete', {}));
          showOk(fileResult, t('restored', view.profile.name));
        } catch (error) {
          showProblems(fileResult, (error as Error).message);
        }
      },
    },
    t('undo'),
  );
  showOk(fileResult, `${t('removed', view.profile.name)} `);
  fileResult.querySelector('p')?.append(undo);
  undo.focus();
  setTimeout(() => undo.remove(), UNDO_MS - 1_000);
}

async function load(): Promise<void> {
  renderList(await send('getState', {}));
}

// ---- the form ------------------------------------------------------------------------------

function showKindFields(): void {
  const kind = field('kind').value;
  const fields = isAuthKind(kind) ? traitsOf(kind).formFields : undefined;
  byId('auth-json-login').hidden = fields !== 'json-login';
  byId('auth-manual').hidden = fields !== 'manual';
  byId('auth-oauth').hidden = fields !== 'oauth';
  for (const label of byId('auth-oauth').querySelectorAll<HTMLElement>('[data-kinds]')) {
    label.hidden = !label.dataset.kinds?.split(' ').includes(kind);
  }
}

/** Copies the fields into the form's inputs, each by its name. */
function setFields(fields: ProfileFields): void {
  for (const [name, v] of Object.entries(fields)) {
    const input = field<HTMLInputElement>(name);
    if (typeof v === 'boolean') input.checked = v;
    else input.value = v;
  }
}

/** The form's inputs as fields. */
function readFields(): ProfileFields {
  const fields = fieldsFromProfile();
  for (const name of Object.keys(fields) as Array<keyof ProfileFields>) {
    const input = field<HTMLInputElement>(name);
    Object.assign(fields, { [name]: typeof fields[name] === 'boolean' ? input.checked : input.value });
  }
  return fields;
}

/** The profile the form started from: kept for what the form does not show (a login's headers). */
let source: Profile | undefined;

/**
 * The form for a new profile, a stored one (`view`), a copy of one, or a new one filled in from
 * a template (`from`, whose client secret the user typed on this page).
 */
function openForm(view?: ProfileView, { copy = false, from }: { copy?: boolean; from?: Profile } = {}): void {
  // A copy starts as a new profile with the original's settings.
  editing = copy ? undefined : view;
  source = from ?? view?.profile;
  void loadValidation();
  form.reset();
  formProblems.hidden = true;
  formTitle.textContent = !view
    ? t('formAdd')
    : copy
      ? t('formCopy', view.profile.name)
      : t('formEdit', view.profile.name);
  const fields = fieldsFromProfile(source);
  if (view && copy) fields.name = t('copyName', view.profile.name).slice(0, 80);
  if (from && 'clientSecret' in from.auth && from.auth.clientSecret)
    fields.clientSecret = from.auth.clientSecret;
  setFields(fields);
  // The stored secret never comes to this page; left empty, saving keeps it (not for a copy).
  field<HTMLInputElement>('clientSecret').placeholder =
    view?.hasClientSecret && !copy ? t('clientSecretKept') : '';
  showKindFields();
  form.hidden = false;
  field<HTMLInputElement>('name').focus();
  // Known by the time of the save, so that its permission prompt can name the token endpoint.
  discoverIssuer();
}

/** The profile the form describes, still to be validated. */
const profileFromForm = (): unknown => profileFromFields(readFields(), source);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  let input: unknown;
  try {
    input = profileFromForm();
  } catch (error) {
    if (error instanceof FieldProblem)
      return showProblems(formProblems, t('profileProblems'), [error.message]);
    throw error;
  }
  // Loaded when the form opened; the permission prompt below needs this very click, so the check
  // cannot wait for a download (only a Save quicker than the page's own file could meet this).
  if (!validation) return showProblems(formProblems, t('stillLoading'));
  const valid = validation.validateProfile(input);
  if (!valid.ok) return showProblems(formProblems, t('profileProblems'), valid.problems);
  // Ask for the hosts straight from the click: browsers show the prompt only with a user gesture.
  // A token endpoint that discovery named on another host is asked for too, when known by now.
  const profile = valid.value as Profile;
  const discovered = tokenEndpoints.get(issuerOf(profile.auth) ?? '');
  const granted = browser.permissions
    .request({ origins: originsFor(profile, discovered) })
    .catch(() => false);
  void (async () => {
    try {
      const allowed = await granted;
      const { state } = await send('saveProfile', { ...(editing ? { id: editing.id } : {}), profile: input });
      renderList(state);
      form.hidden = true;
      showOk(fileResult, allowed ? t('saved', valid.value.name) : t('savedNoPermission', valid.value.name));
    } catch (error) {
      if (error instanceof UserError) showProblems(formProblems, error.message, error.problems);
      else showProblems(formProblems, String(error));
    }
  })();
});

/** Validation as you type: the same checks as the import, listed under the form's title. */
let typingTimer: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(async () => {
    let problems: string[];
    try {
      const valid = await validateProfile(profileFromForm());
      problems = valid.ok ? [] : valid.problems;
    } catch (error) {
      problems = [error instanceof FieldProblem ? error.message : String(error)];
    }
    if (problems.length === 0) {
      formProblems.hidden = true;
      return;
    }
    showProblems(formProblems, t('toFix'), problems);
    // Polite while typing; the submit turns it into an alert.
    formProblems.setAttribute('role', 'status');
  }, 400);
});

byId('cancel-edit').addEventListener('click', () => {
  form.hidden = true;
});
byId('add-profile').addEventListener('click', () => openForm());
field('kind').addEventListener('change', showKindFields);

// ---- templates ("Start from") ---------------------------------------------------------------

const templateSelect = byId<HTMLSelectElement>('template-select');
const templateForm = byId<HTMLFormElement>('template-form');
const templateProblems = byId('template-problems');
for (const template of TEMPLATES) templateSelect.append(h('option', { value: template.id }, template.name));

/** Asks for the values that are the user's own, as the chosen service names them. */
function showTemplate(): void {
  const template = templateById(templateSelect.value);
  templateForm.hidden = !template;
  if (!template) return;
  void loadValidation();
  templateProblems.hidden = true;
  byId('template-title').textContent = template.name;
  byId('template-help').textContent = t('templateHelp', template.name);
  byId('template-fields').replaceChildren(
    ...template.inputs.map((input) =>
      h(
        'label',
        {},
        h('span', {}, t(input.label)),
        h('input', { name: input.key, placeholder: input.example, spellcheck: 'false', autocomplete: 'off' }),
      ),
    ),
  );
  templateForm.querySelector('input')?.focus();
}
templateSelect.addEventListener('change', showTemplate);
byId('template-cancel').addEventListener('click', () => {
  templateForm.hidden = true;
  templateSelect.value = '';
});
templateForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const template = templateById(templateSelect.value);
  if (!template) return;
  const values = Object.fromEntries(
    template.inputs.map(({ key }) => [
      key,
      (templateForm.querySelector<HTMLInputElement>(`input[name="${key}"]`)?.value ?? '').trim(),
    ]),
  );
  const missing = template.inputs
    .filter(({ key, optional }) => !optional && !values[key])
    .map(({ label }) => `${t(label)}: ${t('isRequired')}`);
  if (missing.length) return showProblems(templateProblems, t('templateProblems'), missing);
  const valid = await validateProfile(template.profile(values));
  if (!valid.ok) return showProblems(templateProblems, t('templateProblems'), valid.problems);
  templateForm.hidden = true;
  templateSelect.value = '';
  openForm(undefined, { from: valid.value });
  showOk(formProblems, t('templateFilled', template.name));
  if (traitsOf(valid.value.auth.kind).hasIssuer) discoverIssuer();
});

/** The token endpoint each issuer's discovery named, found while the form is filled in. */
const tokenEndpoints = new Map<string, string>();
const discoverIssuer = (): void => {
  const issuer = field<HTMLInputElement>('issuer').value.trim();
  if (!issuer || tokenEndpoints.has(issuer)) return;
  void send('discover', { issuer })
    .then(({ tokenEndpoint }) => {
      if (tokenEndpoint) tokenEndpoints.set(issuer, tokenEndpoint);
    })
    .catch(() => undefined);
};
field('issuer').addEventListener('change', discoverIssuer);

// ---- import and export ---------------------------------------------------------------------

const importPreview = byId('import-preview');

/** Shows what the file would change; `Import` stores it, `Cancel` changes nothing. */
function showPreview(fileName: string, text: string, preview: ImportPreview): void {
  fileResult.hidden = true;
  const title = h('h3', { tabindex: -1 }, t('importPreviewTitle', fileName));
  const close = () => {
    importPreview.hidden = true;
    importPreview.replaceChildren();
  };
  importPreview.replaceChildren(
    title,
    h('ul', { class: 'profile-list' }, ...preview.profiles.map(previewEntry)),
    ...(preview.removed.length > 0
      ? [h('p', { class: 'warning' }, t('previewRemoved', preview.removed.join(', ')))]
      : []),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            close();
            try {
              const state = await send('importFile', { text });
              renderList(state);
              showOk(
                fileResult,
                state.profiles.length === 1
                  ? t('importedOne', fileName)
                  : t('imported', state.profiles.length, fileName),
              );
            } catch (error) {
              if (error instanceof UserError)
                showProblems(fileResult, t('fileRefused', fileName), error.problems ?? [error.message]);
              else showProblems(fileResult, String(error));
            }
          },
        },
        t('importConfirm'),
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            close();
            showOk(fileResult, t('importCancelled', fileName));
          },
        },
        t('importCancel'),
      ),
    ),
  );
  importPreview.hidden = false;
  title.focus();
}

byId<HTMLInputElement>('import-file').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  importPreview.hidden = true;
  if (file.size > MAX_FILE_BYTES) {
    return showProblems(fileResult, t('fileRefused', file.name), [t('fileTooLarge', file.size)]);
  }
  try {
    const text = await file.text();
    showPreview(file.name, text, await send('previewImport', { text }));
  } catch (error) {
    if (error instanceof UserError)
      showProblems(fileResult, t('fileRefused', file.name), error.problems ?? [error.message]);
    else showProblems(fileResult, String(error));
  }
});

byId('export-file').addEventListener('click', async () => {
  const { text, withoutSecret } = await send('exportFile', {});
  if (withoutSecret.length > 0) showOk(fileResult, t('exportedWithoutSecrets', withoutSecret.join(', ')));
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = h('a', { href: url, download: 'autobearer-profiles.json' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

byId('redirect-url').textContent = browser.identity.getRedirectURL();
byId('extension-origin').textContent = new URL(browser.runtime.getURL('')).origin;
localizePage();
followState(
  (state) => {
    renderList(state);
    renderSubscriptions(state);
    renderSync(state);
  },
  (error) => showProblems(fileResult, error.message),
);
