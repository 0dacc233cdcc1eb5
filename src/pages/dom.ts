// A tiny element builder for the extension's pages: text goes in as text, never as HTML.
import { pageReach } from '../core/hosts.js';
import type { Profile } from '../core/profile.js';
import { parsedHosts } from '../core/rules.js';
import { t } from '../core/text.js';
import { UserError } from '../messages/protocol.js';

type Child = Node | string | false | null | undefined;
type Attributes = Record<string, string | boolean | number | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(child);
  }
  return element;
}

/** What went wrong, in words: a refusal's own message (UserError), else the error as text. */
export const errorText = (error: unknown): string =>
  error instanceof UserError ? error.message : String(error);

/**
 * An outcome in a page's result area: a refusal with its problems, announced at once (an alert),
 * or what went well, announced politely. The one way the pages show either.
 */
export function showProblems(target: HTMLElement, message: string, problems: readonly string[] = []): void {
  target.replaceChildren(h('p', {}, message));
  if (problems.length > 0) target.append(h('ul', {}, ...problems.map((problem) => h('li', {}, problem))));
  target.className = 'problems';
  target.setAttribute('role', 'alert');
  target.hidden = false;
}

export function showOk(target: HTMLElement, message: string): void {
  target.replaceChildren(h('p', {}, message));
  target.className = 'ok';
  target.setAttribute('role', 'status');
  target.hidden = false;
}

/** A message where the user is looking: an error is announced at once (role=alert), a notice politely. */
export function messageLine(text: string, error: boolean): HTMLParagraphElement {
  return h('p', { class: error ? 'error' : 'notice', role: error ? 'alert' : 'status' }, text);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/**
 * The warning the profile format asks for when a sign-in endpoint is plain http (configured, or
 * found by the issuer's discovery); `false` when none is. The popup's is short: its hosts.
 */
export function plainHttpWarning(plain: readonly string[], short = false): HTMLParagraphElement | false {
  if (plain.length === 0) return false;
  const text = short
    ? t('plainHttpShort', [...new Set(plain.map((url) => new URL(url).host))].join(', '))
    : t('plainHttp', plain.join(', '));
  return h('p', { class: 'warning plain-http' }, text);
}

/**
 * What the profile's pages let in, which is wider than they are written (subdomains, both
 * schemes, every port); `false` when the profile has no pages.
 */
export function pagesReachNote(profile: Profile): HTMLParagraphElement | false {
  const reach = parsedHosts(profile.pages).map(pageReach);
  if (reach.length === 0) return false;
  return h('p', { class: 'note pages-reach' }, `${t('pagesReachTitle')} ${reach.join('; ')}.`);
}

export { stableJson } from '../core/json.js';
