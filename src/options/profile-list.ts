// The options page's list of profiles: each with its kind, hosts and warnings, and Edit,
// Duplicate, Remove (the organization's and the subscriptions' profiles only Duplicate: they are
// changed where they come from).
import { t } from '../browser-api/i18n.js';
import type { AppState, ProfileView } from '../core/view.js';
import { h, pagesReachNote, plainHttpWarning, showProblems, stableJson } from '../pages/dom.js';

/** What the list's buttons do: the page's. */
export interface ProfileListActions {
  edit(view: ProfileView): void;
  duplicate(view: ProfileView): void;
  remove(view: ProfileView): void;
  /** Asks for the hosts the profile lacks (from the click). */
  grant(view: ProfileView): void;
}

/** The organization's and the subscriptions' profiles are changed where they come from. */
const readOnly = (view: ProfileView): boolean => view.managed || view.subscription !== undefined;

/** One profile's line: what it is, what to look out for, its buttons. */
function entry(view: ProfileView, actions: ProfileListActions): HTMLLIElement {
  const { name } = view.profile;
  const where = [
    view.profile.auth.kind,
    view.profile.hosts.join(', '),
    ...(view.profile.enabled ? [] : [t('disabled')]),
    ...(view.managed ? [t('managed')] : []),
    ...(view.subscription !== undefined ? [t('fromSubscription', view.subscription)] : []),
  ];
  return h(
    'li',
    { 'data-profile': name },
    h('strong', {}, name),
    ` · ${where.join(' · ')}`,
    plainHttpWarning(view.plainHttp),
    pagesReachNote(view.profile),
    view.missingOrigins.length > 0 &&
      h(
        'p',
        { class: 'warning' },
        `${t('missingPermission', view.missingOrigins.join(', '))} `,
        h('button', { type: 'button', onclick: () => actions.grant(view) }, t('grantAccess')),
      ),
    h(
      'div',
      { class: 'actions' },
      // Named with their profile: a list of "Edit" buttons says nothing to a screen reader.
      !readOnly(view) &&
        h(
          'button',
          { type: 'button', 'aria-label': t('editProfile', name), onclick: () => actions.edit(view) },
          t('edit'),
        ),
      h(
        'button',
        { type: 'button', 'aria-label': t('duplicateProfile', name), onclick: () => actions.duplicate(view) },
        t('duplicate'),
      ),
      !readOnly(view) &&
        h(
          'button',
          { type: 'button', 'aria-label': t('removeProfile', name), onclick: () => actions.remove(view) },
          t('remove'),
        ),
    ),
  );
}

export class ProfileList {
  /** What the list showed when last drawn. */
  private shown = '';

  constructor(
    private readonly element: HTMLElement,
    private readonly managedProblems: HTMLElement,
    private readonly actions: ProfileListActions,
  ) {}

  /** Draws the list again only when what it shows changed, so focus and clicks are never lost. */
  render(state: AppState): void {
    const { element, managedProblems } = this;
    managedProblems.hidden = state.managedProblems.length === 0;
    if (!managedProblems.hidden) showProblems(managedProblems, t('managedRefused'), state.managedProblems);
    const key = stableJson(
      state.profiles.map(({ id, profile, missingOrigins }) => [id, profile, missingOrigins]),
    );
    if (key === this.shown) return;
    this.shown = key;
    if (state.profiles.length === 0) {
      element.replaceChildren(h('p', { class: 'empty' }, t('noProfilesOptions')));
      return;
    }
    // A redraw (a permission granted, a sync) must not take the focus from a keyboard user: the
    // button named the same in the new list gets it back.
    const focused = element.contains(document.activeElement)
      ? document.activeElement?.getAttribute('aria-label')
      : null;
    element.replaceChildren(...state.profiles.map((view) => entry(view, this.actions)));
    if (focused) {
      for (const button of element.querySelectorAll<HTMLElement>('[aria-label]')) {
        if (button.getAttribute('aria-label') === focused) button.focus();
      }
    }
  }
}
