// A tiny element builder for the extension's pages: text goes in as text, never as HTML.
import { pageReach } from '../core/hosts.js';
import type { Profile } from '../core/profile.js';
import { parsedHosts } from '../core/rules.js';
import { t } from '../core/text.js';

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

/** `mm:ss` (or `h:mm:ss`) until a moment; `0:00` once it has passed. */
export function countdown(until: number, now: number): string {
  const total = Math.max(0, Math.floor((until - now) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${String(minutes).padStart(2, '0')}:${seconds}`;
}

export { stableJson } from '../core/json.js';
