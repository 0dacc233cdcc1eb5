// What the pages ask of the browser beside the message protocol (messages/client.ts): the
// permission prompts, the tab the popup is about, the options page, the extension's addresses.
// The one page module that calls the browser's APIs.
import { browser } from '../browser-api/browser.js';

/** The tab the popup is about: its id, and its URL where the extension may see it. */
export interface CurrentTab {
  readonly id: number;
  readonly url?: string | undefined;
}

/**
 * Asks for host access to `origins`; false when the user refused. Call it straight from a click:
 * the browser shows the prompt only with a user gesture.
 */
export const requestOrigins = (origins: readonly string[]): Promise<boolean> =>
  browser.permissions.request({ origins: [...origins] }).catch(() => false);

/** Asks for an optional API permission (from a click, as above); false when refused. */
export const requestPermission = (permission: 'webNavigation' | 'nativeMessaging'): Promise<boolean> =>
  browser.permissions.request({ permissions: [permission] }).catch(() => false);

/**
 * The active tab of the window the popup belongs to. Opened as a page of its own (in a tab, as
 * the tests open it), the popup is about the tab `?tab=ID` names, if any.
 */
export async function currentTab(): Promise<CurrentTab | undefined> {
  const own = await browser.tabs.getCurrent();
  const named = Number(new URLSearchParams(location.search).get('tab'));
  const tab = own
    ? Number.isInteger(named) && named > 0
      ? await browser.tabs.get(named).catch(() => undefined)
      : undefined
    : (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  return tab?.id === undefined ? undefined : { id: tab.id, url: tab.url };
}

export const openOptionsPage = (): Promise<void> => browser.runtime.openOptionsPage();

/** Where a provider sends the user back after signing in (to register with the provider). */
export const redirectUrl = (): string => browser.identity.getRedirectURL();

/** The extension's own origin (what a provider's CORS settings must allow). */
export const extensionOrigin = (): string => new URL(browser.runtime.getURL('')).origin;

/** The extension's id, which `autobearer install --chrome-id` needs in a Chromium browser. */
export const extensionId = (): string => browser.runtime.id;

/** Whether the page runs in Firefox, whose extension id is fixed (no --chrome-id to give). */
export const inFirefox = (): boolean => browser.runtime.getURL('').startsWith('moz-extension:');

/** Puts text on the clipboard (from a click). */
export const copyText = (text: string): Promise<void> => navigator.clipboard.writeText(text);
