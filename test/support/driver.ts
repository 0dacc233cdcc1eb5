// What an end-to-end scenario needs from a browser. Each scenario is written once against this
// interface; chromium.ts and firefox.ts are the thin drivers.
import { waitFor } from './wait.js';

/** The part of a declarativeNetRequest rule the tests read, as the browser returns it. */
export interface SessionRule {
  id: number;
  action: { type: string; requestHeaders?: Array<{ header: string; operation: string; value?: string }> };
  condition: Record<string, unknown>;
}

/** The subset of Playwright's and Puppeteer's Page that both drivers share. */
export interface EvaluatingPage {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

export interface ExtensionPage {
  /** Fills the input whose label starts with `label`, inside the first element matching `scope`. */
  fill(scope: string, label: string, value: string): Promise<void>;
  /** A trusted click, as a user makes it (a user gesture), on the button named `name` (its text or
   * aria-label) inside `scope`. */
  click(scope: string, name: string): Promise<void>;
  /** The text of the first element matching `selector`, or '' when there is none. */
  text(selector: string): Promise<string>;
  setFile(selector: string, file: string): Promise<void>;
  /** The options page's import: chooses the file, then confirms its preview with "Import". */
  importFile(file: string): Promise<void>;
  /** The page's whole HTML, to check what it holds. */
  html(): Promise<string>;
  /** Sends one message of the extension's protocol from this page, as the popup would. */
  send(type: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: string }>;
  /** Runs a self-contained function in the page (benchmarks). */
  run<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /**
   * Saves a picture of the page, in the light or dark color scheme (where the driver can): its
   * `main` element, or with `frame` the whole page in a window of that size (a store's size).
   */
  screenshot(file: string, scheme: 'light' | 'dark', frame?: ScreenshotFrame): Promise<void>;
  /** A real key press, as the keyboard sends it: `Tab`, `Enter`, `Space`, `ArrowDown`, `Control+a`. */
  press(key: string): Promise<void>;
  /** Types text into the focused element, key by key. */
  type(text: string): Promise<void>;
  /** The focused element's role and accessible name. */
  focused(): Promise<Control>;
  /** The page's visible controls (buttons, links, fields) in document order, with role and name. */
  controls(): Promise<Control[]>;
  /** Starts noting the extension's notifications: Firefox headless closes each one at once. */
  watchNotifications(): Promise<void>;
  /** The ids of the extension's notifications shown now or, since `watchNotifications`, at all. */
  notificationIds(): Promise<string[]>;
  close(): Promise<void>;
}

interface NotificationsApi {
  getAll(): Promise<Record<string, unknown>>;
  onShown?: { addListener(listener: (id: string) => void): void };
  onClosed: { addListener(listener: (id: string) => void): void };
}
type NotificationsGlobal = {
  browser?: { notifications: NotificationsApi };
  chrome: { notifications: NotificationsApi };
};

/** An interactive element as assistive technology names it (a simplified accessible-name computation). */
export interface Control {
  role: string;
  name: string;
}

export interface WebPage {
  /** Has the page call a URL (no-cors, so the server, not CORS, decides what is recorded). */
  fetch(url: string): Promise<void>;
  /** Has the page submit a cross-site form POST (a top-level navigation). */
  postForm(url: string): Promise<void>;
  /** Has the page call a URL every `ms` until `stopPolling`. */
  startPolling(url: string, ms: number): Promise<void>;
  stopPolling(): Promise<void>;
  /** Whether the page has any extension messaging API (it must not: no externally_connectable). */
  canMessageExtensions(): Promise<boolean>;
  /** Runs a self-contained function in the page (benchmarks). */
  run<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Makes this the tab in front (the others are then background tabs). */
  front(): Promise<void>;
  close(): Promise<void>;
}

/** A page the browser opened by itself, such as the provider's sign-in page of a web-auth flow. */
export interface OpenedPage {
  url(): string;
  fill(selector: string, value: string): Promise<void>;
  /** A trusted click on the first element matching `selector`. */
  click(selector: string): Promise<void>;
  exists(selector: string): Promise<boolean>;
  /** Runs a self-contained function in the page (a navigation it starts, say). */
  run<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

/**
 * An extension page; the popup opened as a page may name the tab it is about (`?tab=ID`);
 * `reference/popup.html` is the benchmark's older popup (bench/bench.ts, section 5).
 */
export type ExtensionPageName =
  | 'popup.html'
  | 'options.html'
  | `popup.html?tab=${number}`
  | 'reference/popup.html';

export interface BrowserDriver {
  readonly name: 'chromium' | 'firefox';
  /** Chromium's test copy grants the *.test hosts at install (headless cannot answer its prompt);
   * in Firefox the scenario grants them with the extension's own "Grant access" button. */
  readonly hostsGrantedAtInstall: boolean;
  /** The browser's major version (behaviours that differ between versions are tested per version). */
  readonly major: number;
  open(page: ExtensionPageName): Promise<ExtensionPage>;
  openWeb(url: string): Promise<WebPage>;
  sessionRules(): Promise<SessionRule[]>;
  /** Waits for a page whose URL contains `part` to be open, and returns it. */
  openedPage(part: string): Promise<OpenedPage>;
  /** Stops the background (service worker / event page) as the browser does when it is idle. */
  stopBackground(): Promise<void>;
  /** 'stopped' while the browser has the background stopped; 'running', 'starting'… else. */
  backgroundState(): Promise<string>;
  /** Closes and relaunches the browser on the same profile directory. */
  restart(): Promise<void>;
  /** Everything the browser's pages and the extension's background wrote to the console so far. */
  consoleOutput(): string;
  close(): Promise<void>;
}

/** Host names the tests use; every one resolves to 127.0.0.1. */
export const TEST_HOSTS = [
  'api.test',
  'app.test',
  'evil.test',
  'eu.api.test',
  'api.test.evil.test',
  'evilapi.test',
  'api.example',
  'machine.test',
  'strict.test',
  'company.test',
  'a.test',
  'b.test',
  'c.test',
  'id.test',
];

/**
 * DOM helpers run inside a page by both drivers: self-contained arrow functions for `evaluate`
 * (no named inner functions: the test loader would add helpers the page does not have).
 */
export const dom = {
  /** Marks the target of a click with a fresh `data-e2e` attribute and returns its selector. */
  markButton: ({ scope, name }: { scope: string; name: string }): string | undefined => {
    const root = document.querySelector(scope);
    const button =
      [...(root?.querySelectorAll('button') ?? [])].find((b) => b.textContent?.trim() === name) ??
      root?.querySelector(`[aria-label="${CSS.escape(name)}"]`);
    if (!button) return undefined;
    const mark = String(Math.random()).slice(2);
    button.setAttribute('data-e2e', mark);
    return `[data-e2e="${mark}"]`;
  },
  fill: ({ scope, label, value }: { scope: string; label: string; value: string }): boolean => {
    const root = document.querySelector(scope);
    const element = [...(root?.querySelectorAll('label') ?? [])].find((l) =>
      (l.firstChild?.textContent ?? '').trim().startsWith(label),
    );
    const input = element?.querySelector('input, textarea, select') as HTMLInputElement | null | undefined;
    if (!input) return false;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return true;
  },
  fillSelector: ({ selector, value }: { selector: string; value: string }): boolean => {
    const input = document.querySelector(selector) as HTMLInputElement | null;
    if (!input) return false;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  },
  text: (selector: string): string => {
    const element = document.querySelector(selector) as HTMLElement | null;
    return element ? (element.innerText ?? element.textContent ?? '') : '';
  },
  fetch: async (url: string): Promise<void> => {
    await fetch(url, { mode: 'no-cors', cache: 'no-store' }).catch(() => undefined);
  },
  postForm: (url: string): void => {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = url;
    document.body.append(form);
    form.submit();
  },
  startPolling: ({ url, ms }: { url: string; ms: number }): void => {
    const state = window as unknown as { e2ePoller: number; e2eSent?: number };
    state.e2ePoller = window.setInterval(() => {
      // `?n=`: the order the page sent its requests in, which the server's arrival order is not.
      state.e2eSent = (state.e2eSent ?? 0) + 1;
      const sent = new URL(url);
      sent.searchParams.set('n', String(state.e2eSent));
      void fetch(sent, { mode: 'no-cors', cache: 'no-store' }).catch(() => undefined);
    }, ms);
  },
  stopPolling: (): void => {
    window.clearInterval((window as unknown as { e2ePoller: number }).e2ePoller);
  },
  /**
   * Role and name of visible controls (`focusedOnly`: of the focused element). The name as
   * assistive technology computes it, simplified: aria-label, aria-labelledby, the field's label
   * (without the field's own text), the element's text, its title.
   */
  controls: (focusedOnly: boolean): Control[] => {
    const selector = 'button, a[href], input, select, textarea, [role], [tabindex]';
    const focused = document.activeElement;
    const elements = focusedOnly
      ? focused && focused !== document.body
        ? [focused as HTMLElement]
        : []
      : [...document.querySelectorAll<HTMLElement>(selector)].filter(
          (e) => e.getClientRects().length > 0 && !e.closest('[hidden]'),
        );
    return elements.map((e) => {
      const tag = e.tagName.toLowerCase();
      const type = (e.getAttribute('type') ?? '').toLowerCase();
      const implicit =
        tag === 'button' || (tag === 'input' && ['submit', 'button', 'file'].includes(type))
          ? 'button'
          : tag === 'a'
            ? 'link'
            : tag === 'select'
              ? 'combobox'
              : tag === 'input' && type === 'checkbox'
                ? 'checkbox'
                : tag === 'input' || tag === 'textarea'
                  ? 'textbox'
                  : '';
      const labelledBy = (e.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .map((id) => (id ? (document.getElementById(id)?.textContent ?? '') : ''))
        .join(' ');
      const label = (e as HTMLInputElement).labels?.[0]?.cloneNode(true) as HTMLElement | undefined;
      for (const field of label?.querySelectorAll('input, select, textarea') ?? []) field.remove();
      const name =
        e.getAttribute('aria-label') ||
        labelledBy.trim() ||
        label?.textContent?.trim() ||
        (['button', 'link'].includes(implicit) ? e.textContent : '') ||
        e.getAttribute('title') ||
        '';
      return { role: e.getAttribute('role') ?? implicit, name: name.replace(/\s+/g, ' ').trim() };
    });
  },
};

/** A picture's size in CSS pixels: the Chrome Web Store's and AMO's screenshots are 1280×800. */
export interface ScreenshotFrame {
  width: number;
  height: number;
}
export const STORE_SCREENSHOT: ScreenshotFrame = { width: 1280, height: 800 };

/** The shared part of both drivers' extension pages; `click` and `setFile` use native input. */
export function extensionPage(
  page: EvaluatingPage,
  native: {
    click(selector: string): Promise<void>;
    setFile(selector: string, file: string): Promise<void>;
    screenshot(file: string, scheme: 'light' | 'dark', frame?: ScreenshotFrame): Promise<void>;
    press(key: string): Promise<void>;
    type(text: string): Promise<void>;
    close(): Promise<void>;
  },
): ExtensionPage {
  return {
    async fill(scope, label, value) {
      if (!(await page.evaluate(dom.fill, { scope, label, value })))
        throw new Error(`no field "${label}" in ${scope}`);
    },
    async click(scope, name) {
      // A page may re-render between finding the button and clicking it: find it again then.
      for (let attempt = 1; ; attempt++) {
        // Pages draw after their first message round trip: wait for the button, with a bound.
        const selector = await waitFor(
          () => page.evaluate(dom.markButton, { scope, name }),
          5_000,
          `a button "${name}" in ${scope}`,
        );
        try {
          await native.click(selector);
          return;
        } catch (error) {
          if (
            attempt >= 3 ||
            !/detached|not attached|not found|No node|No element found|Timeout/i.test(String(error))
          )
            throw error;
        }
      }
    },
    text: (selector) => page.evaluate(dom.text, selector),
    setFile: (selector, file) => native.setFile(selector, file),
    async importFile(file) {
      await native.setFile('#import-file', file);
      await this.click('#import-preview', 'Import');
    },
    html: () => page.evaluate(() => document.documentElement.outerHTML, undefined),
    screenshot: (file, scheme, frame) => native.screenshot(file, scheme, frame),
    send: (type, payload) =>
      page.evaluate(
        ({ type, payload }: { type: string; payload: unknown }) => {
          const g = globalThis as unknown as {
            browser?: { runtime: { sendMessage(m: unknown): Promise<unknown> } };
            chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } };
          };
          return (g.browser ?? g.chrome).runtime.sendMessage({ type, payload }) as Promise<{
            ok: boolean;
            value?: unknown;
            error?: string;
          }>;
        },
        { type, payload },
      ),
    run: (fn, arg) => page.evaluate(fn, arg),
    press: (key) => native.press(key),
    type: (text) => native.type(text),
    focused: async () => (await page.evaluate(dom.controls, true))[0] ?? { role: '', name: '' },
    controls: () => page.evaluate(dom.controls, false),
    watchNotifications: () =>
      page.evaluate(() => {
        const g = globalThis as unknown as { e2eNotified: Set<string> } & NotificationsGlobal;
        const api = (g.browser ?? g.chrome).notifications;
        g.e2eNotified = new Set();
        api.onShown?.addListener((id: string) => g.e2eNotified.add(id));
        api.onClosed.addListener((id: string) => g.e2eNotified.add(id));
      }, undefined),
    notificationIds: () =>
      page.evaluate(async () => {
        const g = globalThis as unknown as { e2eNotified?: Set<string> } & NotificationsGlobal;
        const shown = Object.keys(await (g.browser ?? g.chrome).notifications.getAll());
        return [...new Set([...shown, ...(g.e2eNotified ?? [])])];
      }, undefined),
    close: () => native.close(),
  };
}

export function webPage(
  page: EvaluatingPage,
  close: () => Promise<void>,
  front: () => Promise<void>,
): WebPage {
  return {
    front,
    fetch: (url) => page.evaluate(dom.fetch, url),
    postForm: (url) => page.evaluate(dom.postForm, url),
    startPolling: (url, ms) => page.evaluate(dom.startPolling, { url, ms }),
    stopPolling: () => page.evaluate(dom.stopPolling, undefined),
    run: (fn, arg) => page.evaluate(fn, arg),
    canMessageExtensions: () =>
      page.evaluate(() => {
        const g = globalThis as { chrome?: { runtime?: { sendMessage?: unknown } }; browser?: unknown };
        return typeof g.chrome?.runtime?.sendMessage === 'function' || typeof g.browser !== 'undefined';
      }, undefined),
    close,
  };
}

export function openedPage(
  page: EvaluatingPage,
  native: { url(): string; click(selector: string): Promise<void>; close(): Promise<void> },
): OpenedPage {
  return {
    url: () => native.url(),
    async fill(selector, value) {
      if (!(await page.evaluate(dom.fillSelector, { selector, value })))
        throw new Error(`no ${selector} on ${native.url()}`);
    },
    click: (selector) => native.click(selector),
    exists: (selector) => page.evaluate((s: string) => document.querySelector(s) !== null, selector),
    run: (fn, arg) => page.evaluate(fn, arg),
    close: () => native.close(),
  };
}

/** The header values the session rules set: the tokens the browser sends now. */
export async function tokensInRules(driver: Pick<BrowserDriver, 'sessionRules'>): Promise<string[]> {
  return (await driver.sessionRules()).flatMap((rule) =>
    (rule.action.requestHeaders ?? []).flatMap((header) => (header.value ? [header.value] : [])),
  );
}

/**
 * Waits until the rules carry none of the tokens `before` named: the background has stored each
 * refreshed token (it stores an answer, then hands the token to the rules). A test that stops the
 * background right after the token endpoint answered can stop it before it stored the answer,
 * which loses it (README, "A known limit"); the refresh tests stop it between cycles, not there.
 */
export async function refreshedTokensInRules(
  driver: Pick<BrowserDriver, 'sessionRules'>,
  before: readonly string[],
  what: string,
): Promise<void> {
  await waitFor(
    async () => {
      const now = await tokensInRules(driver);
      return now.length > 0 && !now.some((token) => before.includes(token));
    },
    10_000,
    what,
  );
}
