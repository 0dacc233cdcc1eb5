// "Start from": a known service's template asks for the values that are the user's own, and
// fills the profile form with the rest (core/templates.ts).
import { t } from '../browser-api/i18n.js';
import { traitsOf } from '../core/auth-kinds.js';
import { TEMPLATES, templateById } from '../core/templates.js';
import { byId, h, showProblems } from '../pages/dom.js';
import type { LazyValidation, ProfileEditor } from './editor.js';

export function startFromTemplates(editor: ProfileEditor, validation: LazyValidation): void {
  const select = byId<HTMLSelectElement>('template-select');
  const form = byId<HTMLFormElement>('template-form');
  const problems = byId('template-problems');
  for (const template of TEMPLATES) select.append(h('option', { value: template.id }, template.name));

  /** Asks for the values that are the user's own, as the chosen service names them. */
  select.addEventListener('change', () => {
    const template = templateById(select.value);
    form.hidden = !template;
    if (!template) return;
    void validation.load();
    problems.hidden = true;
    byId('template-title').textContent = template.name;
    byId('template-help').textContent = t('templateHelp', template.name);
    byId('template-fields').replaceChildren(
      ...template.inputs.map((input) =>
        h(
          'label',
          {},
          h('span', {}, t(input.label)),
          h('input', {
            name: input.key,
            placeholder: input.example,
            spellcheck: 'false',
            autocomplete: 'off',
          }),
        ),
      ),
    );
    form.querySelector('input')?.focus();
  });
  byId('template-cancel').addEventListener('click', () => {
    form.hidden = true;
    select.value = '';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const template = templateById(select.value);
    if (!template) return;
    const values = Object.fromEntries(
      template.inputs.map(({ key }) => [
        key,
        (form.querySelector<HTMLInputElement>(`input[name="${key}"]`)?.value ?? '').trim(),
      ]),
    );
    const missing = template.inputs
      .filter(({ key, optional }) => !optional && !values[key])
      .map(({ label }) => `${t(label)}: ${t('isRequired')}`);
    if (missing.length) return showProblems(problems, t('templateProblems'), missing);
    const valid = await validation.validateProfile(template.profile(values));
    if (!valid.ok) return showProblems(problems, t('templateProblems'), valid.problems);
    form.hidden = true;
    select.value = '';
    editor.open(undefined, { from: valid.value });
    editor.filledFrom(template.name);
    if (traitsOf(valid.value.auth.kind).hasIssuer) editor.discoverIssuer();
  });
}
