// The Firefox driver: the built extension in Debian's headless Firefox ESR, driven by
// puppeteer-core over WebDriver BiDi. The add-on is installed the way a user's is (an .xpi in
// the profile; ESR accepts it unsigned when told to), so it survives a browser restart, and its
// host permissions start ungranted, as Firefox MV3 does.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type KeyInput, type Page } from 'puppeteer-core';
import {
  type BrowserDriver,
  type EvaluatingPage,
  extensionPage,
  openedPage,
  type SessionRule,
  TEST_HOSTS,
  webPage,
} from './driver.js';
import { waitFor } from './wait.js';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const GECKO_ID = 'autobearer@autobearer.dev';
/** Fixed so the tests know the extension's origin (moz-extension://UUID). */
const UUID = '6a1f0c52-54d2-4f6e-9f0e-4b1a1e0c7a11';

/** Firefox ESR's machine-wide policies file. */
const POLICIES = process.env.FIREFOX_POLICIES ?? '/usr/lib/firefox-esr/distribution/policies.json';

/**
 * Pushes `profileFile` to the extension as enterprise policy does (policies.json's "3rdparty"
 * section, read at start), and returns the function that takes it away again.
 */
export function installFirefoxPolicy(profileFile: string): () => void {
  mkdirSync(path.dirname(POLICIES), { recursive: true });
  writeFileSync(
    POLICIES,
    JSON.stringify({ policies: { '3rdparty': { Extensions: { [GECKO_ID]: { profileFile } } } } }),
  );
  return () => rmSync(POLICIES, { force: true });
}

declare const browser: { declarativeNetRequest: { getSessionRules(): Promise<SessionRule[]> } };

const asEvaluating = (page: Page): EvaluatingPage => page as unknown as EvaluatingPage;

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

export class FirefoxDriver implements BrowserDriver {
  readonly name = 'firefox';
  readonly hostsGrantedAtInstall = false;
  private browser: Browser | undefined;
  private readonly profile = mkdtempSync(path.join(tmpdir(), 'autobearer-firefox-profile-'));

  /**
   * `withExtension: false` runs Firefox without AutoBearer; `addon` installs another package
   * instead (benchmarks).
   */
  constructor(options: { withExtension?: boolean; addon?: { xpi: string; id: string } } = {}) {
    if (options.withExtension === false) return;
    const { xpi, id } = options.addon ?? { xpi: path.resolve('dist/autobearer-firefox.zip'), id: GECKO_ID };
    mkdirSync(path.join(this.profile, 'extensions'));
    copyFileSync(xpi, path.join(this.profile, 'extensions', `${id}.xpi`));
  }

  /** The event page's state as Firefox reports it: running, suspending, stopped. */
  async backgroundState(): Promise<string> {
    return String(
      await this.chromeScope(`(() => {
        const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
        return ExtensionParent.GlobalManager.getExtension(${JSON.stringify(GECKO_ID)})?.backgroundState;
      })()`),
    );
  }

  async launch(): Promise<this> {
    this.browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: this.profile,
      // Lets the tests reach extension pages and, for stopBackground, Firefox's own chrome scope.
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: {
        'xpinstall.signatures.required': false,
        'extensions.autoDisableScopes': 0,
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }),
        // "Grant access" is still a real permissions.request from a trusted click; the prompt,
        // which headless cannot show, answers yes.
        'extensions.webextOptionalPermissionPrompts': false,
        'network.dns.localDomains': TEST_HOSTS.join(','),
        'network.trr.mode': 5,
        'dom.security.https_first': false,
        // Every console message, the background's included, goes to Firefox's stdout.
        'devtools.console.stdout.content': true,
        'devtools.console.stdout.chrome': true,
      },
    });
    this.browser.process()?.stdout?.on('data', (chunk: Buffer) => this.console.push(chunk.toString()));
    return this;
  }

  private readonly console: string[] = [];

  consoleOutput(): string {
    return this.console.join('');
  }

  private get b(): Browser {
    if (!this.browser) throw new Error('Firefox is not running');
    return this.browser;
  }

  /** Extension pages load, but puppeteer's goto never resolves for them: poll the page instead. */
  private async extensionTab(name: string): Promise<Page> {
    const page = await this.b.newPage();
    const url = `moz-extension://${UUID}/${name}`;
    void page.goto(url).catch(() => undefined);
    await waitFor(
      async () =>
        page
          .evaluate(() => location.href + document.readyState)
          .then((state) => state === `${url}complete`)
          .catch(() => false),
      10_000,
      `${name} did not load`,
    );
    return page;
  }

  async open(name: 'popup.html' | 'options.html') {
    const page = await this.extensionTab(name);
    return extensionPage(asEvaluating(page), {
      click: (selector) => page.click(selector),
      setFile: async (selector, file) => {
        const input = await page.$(selector);
        if (!input) throw new Error(`no ${selector}`);
        await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(file);
      },
      screenshot: async (file) => {
        await page.screenshot({ path: file as `${string}.png`, fullPage: true });
      },
      press: async (key) => {
        // Puppeteer presses one key at a time: `Control+a` is held modifiers around a press.
        const keys = key.split('+') as KeyInput[];
        const last = keys.pop() as KeyInput;
        for (const modifier of keys) await page.keyboard.down(modifier);
        await page.keyboard.press(last);
        for (const modifier of keys.reverse()) await page.keyboard.up(modifier);
      },
      type: (text) => page.keyboard.type(text),
      close: () => page.close(),
    });
  }

  async openWeb(url: string) {
    const page = await this.b.newPage();
    await page.goto(url);
    return webPage(asEvaluating(page), () => page.close());
  }

  async sessionRules(): Promise<SessionRule[]> {
    const page = await this.extensionTab('popup.html');
    try {
      return await page.evaluate(() => browser.declarativeNetRequest.getSessionRules());
    } finally {
      await page.close();
    }
  }

  async openedPage(part: string) {
    const page = await waitFor(
      async () => (await this.b.pages()).find((p) => p.url().includes(part)),
      10_000,
      `a page with ${part}`,
    );
    await waitFor(
      () => page.evaluate(() => document.readyState !== 'loading').catch(() => false),
      10_000,
      `${part} loaded`,
    );
    return openedPage(asEvaluating(page), {
      url: () => page.url(),
      click: (selector) => page.click(selector),
      close: () => page.close(),
    });
  }

  /** Runs privileged script in Firefox's own chrome scope (what about:debugging does). */
  private async chromeScope(expression: string): Promise<unknown> {
    const connection = (this.b as unknown as { connection: BidiConnection }).connection;
    const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' })).result as {
      contexts: Array<{ context: string }>;
    };
    const context = tree.contexts[0]?.context;
    if (!context) throw new Error('no chrome context');
    const { result } = await connection.send('script.evaluate', {
      expression,
      target: { context },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    return (result as { result?: { value?: unknown } }).result?.value;
  }

  /**
   * Terminates the event page as Firefox does when it is idle (about:debugging's "Terminate").
   * Firefox may refuse while the page is busy (a refresh in flight), so ask again until it stops.
   */
  async stopBackground(): Promise<void> {
    await waitFor(
      async () =>
        (await this.chromeScope(`(async () => {
          const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
          const extension = ExtensionParent.GlobalManager.getExtension(${JSON.stringify(GECKO_ID)});
          await extension.terminateBackground();
          return extension.backgroundState;
        })()`)) === 'stopped',
      10_000,
      'the event page stopped',
      250,
    );
  }

  async restart(): Promise<void> {
    await this.b.close();
    await this.launch();
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
