// The options page's profile form: add, edit or copy a profile; validated as the user types (the
// same checks as an import), the hosts asked for on Save. The schema and the Public Suffix List
// are most of the page's weight: loaded when the form or a template first needs them.
import { t } from '../browser-api/i18n.js';
import { isAuthKind, traitsOf } from '../core/auth-kinds.js';
import { issuerOf } from '../core/auth-requests.js';
import { originsFor } from '../core/permissions.js';
import type { Profile, Validated } from '../core/profile.js';
import {
  FieldProblem,
  fieldsFromProfile,
  type ProfileFields,
  profileFromFields,
} from '../core/profile-form.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import type { AppState, ProfileView } from '../core/view.js';
import { send } from '../messages/client.js';
import { UserError } from '../messages/protocol.js';
import { byId, errorText, showOk, showProblems } from '../pages/dom.js';
import { requestOrigins } from '../pages/page-browser.js';

type Validation = typeof import('../core/profile.js');

/** The profile schema (valibot) and the list it checks hosts against, loaded once, when needed. */
export class LazyValidation {
  private loaded: Validation | undefined;
  private loading: Promise<Validation> | undefined;

  /** Loaded already: what a click that must not wait (a permission prompt) can use. */
  get now(): Validation | undefined {
    return this.loaded;
  }

  load(): Promise<Validation> {
    this.loading ??= Promise.all([
      import(/* webpackChunkName: "validation" */ '../core/profile.js'),
      publicSuffixListReady(),
    ]).then(([schema]) => {
      this.loaded = schema;
      return schema;
    });
    return this.loading;
  }

  async validateProfile(input: unknown): Promise<Validated<Profile>> {
    return (await this.load()).validateProfile(input);
  }
}

export class ProfileEditor {
  private readonly form = byId<HTMLFormElement>('profile-form');
  private readonly title = byId('form-title');
  /** Where the form's problems (and a template's "filled in") show. */
  readonly problems = byId('form-problems');
  /** The stored profile being edited; none for a new one or a copy. */
  private editing: ProfileView | undefined;
  /** The profile the form started from: kept for what the form does not show (a login's headers). */
  private source: Profile | undefined;
  /** The token endpoint each issuer's discovery named, found while the form is filled in. */
  private readonly tokenEndpoints = new Map<string, string>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  /** `saved`: the state after a save, and what to say (in the page's result area). */
  constructor(
    private readonly validation: LazyValidation,
    private readonly saved: (state: AppState, message: string) => void,
  ) {
    const { form } = this;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    form.addEventListener('input', () => this.checkSoon());
    byId('cancel-edit').addEventListener('click', () => {
      form.hidden = true;
    });
    this.field('kind').addEventListener('change', () => this.showKindFields());
    this.field('issuer').addEventListener('change', () => this.discoverIssuer());
  }

  private field<T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(name: string): T {
    const element = this.form.elements.namedItem(name);
    if (!element) throw new Error(`form field ${name} is missing`);
    return element as T;
  }

  /**
   * The form for a new profile, a stored one (`view`), a copy of one, or a new one filled in from
   * a template (`from`, whose client secret the user typed on this page).
   */
  open(view?: ProfileView, { copy = false, from }: { copy?: boolean; from?: Profile } = {}): void {
    // A copy starts as a new profile with the original's settings.
    this.editing = copy ? undefined : view;
    this.source = from ?? view?.profile;
    void this.validation.load();
    this.form.reset();
    this.problems.hidden = true;
    this.title.textContent = !view
      ? t('formAdd')
      : copy
        ? t('formCopy', view.profile.name)
        : t('formEdit', view.profile.name);
    const fields = fieldsFromProfile(this.source);
    if (view && copy) fields.name = t('copyName', view.profile.name).slice(0, 80);
    if (from && 'clientSecret' in from.auth && from.auth.clientSecret)
      fields.clientSecret = from.auth.clientSecret;
    this.setFields(fields);
    // The stored secret never comes to this page; left empty, saving keeps it (not for a copy).
    this.field<HTMLInputElement>('clientSecret').placeholder =
      view?.hasClientSecret && !copy ? t('clientSecretKept') : '';
    this.showKindFields();
    this.form.hidden = false;
    this.field<HTMLInputElement>('name').focus();
    // Known by the time of the save, so that its permission prompt can name the token endpoint.
    this.discoverIssuer();
  }

  /** Asks the issuer's discovery for its token endpoint (its host is asked for on Save). */
  discoverIssuer(): void {
    const issuer = this.field<HTMLInputElement>('issuer').value.trim();
    if (!issuer || this.tokenEndpoints.has(issuer)) return;
    void send('discover', { issuer })
      .then(({ tokenEndpoint }) => {
        if (tokenEndpoint) this.tokenEndpoints.set(issuer, tokenEndpoint);
      })
      .catch(() => undefined);
  }

  private showKindFields(): void {
    const kind = this.field('kind').value;
    const fields = isAuthKind(kind) ? traitsOf(kind).formFields : undefined;
    byId('auth-json-login').hidden = fields !== 'json-login';
    byId('auth-manual').hidden = fields !== 'manual';
    byId('auth-oauth').hidden = fields !== 'oauth';
    for (const label of byId('auth-oauth').querySelectorAll<HTMLElement>('[data-kinds]')) {
      label.hidden = !label.dataset.kinds?.split(' ').includes(kind);
    }
  }

  /** Copies the fields into the form's inputs, each by its name. */
  private setFields(fields: ProfileFields): void {
    for (const [name, v] of Object.entries(fields)) {
      const input = this.field<HTMLInputElement>(name);
      if (typeof v === 'boolean') input.checked = v;
      else input.value = v;
    }
  }

  /** The form's inputs as fields. */
  private readFields(): ProfileFields {
    const fields = fieldsFromProfile();
    for (const name of Object.keys(fields) as Array<keyof ProfileFields>) {
      const input = this.field<HTMLInputElement>(name);
      Object.assign(fields, { [name]: typeof fields[name] === 'boolean' ? input.checked : input.value });
    }
    return fields;
  }

  /** The profile the form describes, still to be validated. */
  private profileFromForm(): unknown {
    return profileFromFields(this.readFields(), this.source);
  }

  private save() {
    const { problems } = this;
    let input: unknown;
    try {
      input = this.profileFromForm();
    } catch (error) {
      if (error instanceof FieldProblem) return showProblems(problems, t('profileProblems'), [error.message]);
      throw error;
    }
    // Loaded when the form opened; the permission prompt below needs this very click, so the check
    // cannot wait for a download (only a Save quicker than the page's own file could meet this).
    const validation = this.validation.now;
    if (!validation) return showProblems(problems, t('stillLoading'));
    const valid = validation.validateProfile(input);
    if (!valid.ok) return showProblems(problems, t('profileProblems'), valid.problems);
    // Ask for the hosts straight from the click: browsers show the prompt only with a user gesture.
    // A token endpoint that discovery named on another host is asked for too, when known by now.
    const profile = valid.value;
    const discovered = this.tokenEndpoints.get(issuerOf(profile.auth) ?? '');
    const granted = requestOrigins(originsFor(profile, discovered));
    const editing = this.editing;
    void (async () => {
      try {
        const allowed = await granted;
        const { state } = await send('saveProfile', {
          ...(editing ? { id: editing.id } : {}),
          profile: input,
        });
        this.form.hidden = true;
        this.saved(state, allowed ? t('saved', profile.name) : t('savedNoPermission', profile.name));
      } catch (error) {
        showProblems(problems, errorText(error), error instanceof UserError ? error.problems : []);
      }
    })();
  }

  /** Validation as you type: the same checks as the import, listed under the form's title. */
  private checkSoon(): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(async () => {
      let problems: string[];
      try {
        const valid = await this.validation.validateProfile(this.profileFromForm());
        problems = valid.ok ? [] : valid.problems;
      } catch (error) {
        problems = [error instanceof FieldProblem ? error.message : String(error)];
      }
      if (problems.length === 0) {
        this.problems.hidden = true;
        return;
      }
      showProblems(this.problems, t('toFix'), problems);
      // Polite while typing; the submit turns it into an alert.
      this.problems.setAttribute('role', 'status');
    }, 400);
  }

  /** Says, under the form's title, that a template filled it in. */
  filledFrom(templateName: string): void {
    showOk(this.problems, t('templateFilled', templateName));
  }
}
