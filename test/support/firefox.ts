// The Firefox driver: the built extension in Debian's headless Firefox ESR, driven by
// puppeteer-core over WebDriver BiDi. The add-on is installed the way a user's is (an .xpi in
// the profile; ESR accepts it unsigned when told to), so it survives a browser restart, and its
// host permissions start ungranted, as Firefox MV3 does. Supported: Firefox ESR 140 and later.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type KeyInput, type Page } from 'puppeteer-core';
import {
  assertSupported,
  browserVersion,
  FIREFOX,
  firefoxDistributionDir,
  manifestMinimum,
} from './browsers.js';
import {
  type BrowserDriver,
  type EvaluatingPage,
  type ExtensionPageName,
  extensionPage,
  openedPage,
  type SessionRule,
  TEST_HOSTS,
  webPage,
} from './driver.js';
import { debuggerServer, FirefoxRdp } from './firefox-rdp.js';
import { waitFor } from './wait.js';

export const GECKO_ID = 'autobearer@autobearer.dev';
/** Fixed so the tests know the extension's origin (moz-extension://UUID). */
const UUID = '6a1f0c52-54d2-4f6e-9f0e-4b1a1e0c7a11';

/** The machine-wide policies file of the Firefox under test. */
const POLICIES = process.env.FIREFOX_POLICIES ?? path.join(firefoxDistributionDir(), 'policies.json');

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

/**
 * How to open a page. Firefox's WebDriver BiDi before 153 (seen on 140.12) opens a new tab in
 * the most recent window of any kind, which may be the alert window of a desktop notification
 * (headless shows one for a moment), and then fails with "TabManager.getTabBrowser(...) is
 * undefined"; a new window avoids that. 153 picks the most recent browser window.
 */
function pageTypeFor(firefoxMajor: number): 'tab' | 'window' {
  return firefoxMajor < 153 ? 'window' : 'tab';
}

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class FirefoxDriver implements BrowserDriver {
  readonly name = 'firefox';
  readonly major = browserVersion(FIREFOX).major;
  readonly hostsGrantedAtInstall = false;
  private browser: Browser | undefined;
  /** Firefox's remote debugging protocol, for the event page (what about:debugging does). */
  private rdp: FirefoxRdp | undefined;
  /** Whether the add-on installed is AutoBearer (not a benchmark's other package). */
  private readonly withAutoBearer: boolean;
  private readonly profile = mkdtempSync(path.join(tmpdir(), 'autobearer-firefox-profile-'));
  /** Environment variables the browser (and what it starts: a native host) gets besides the test's. */
  private readonly env: Record<string, string>;

  /**
   * `withExtension: false` runs Firefox without AutoBearer; `addon` installs another package
   * instead (benchmarks).
   */
  constructor(
    options: {
      withExtension?: boolean;
      addon?: { xpi: string; id: string };
      env?: Record<string, string>;
    } = {},
  ) {
    this.env = options.env ?? {};
    const withExtension = options.withExtension !== false;
    this.withAutoBearer = withExtension && !options.addon;
    if (!withExtension) return;
    const { xpi, id } = options.addon ?? { xpi: path.resolve('dist/autobearer-firefox.zip'), id: GECKO_ID };
    mkdirSync(path.join(this.profile, 'extensions'));
    copyFileSync(xpi, path.join(this.profile, 'extensions', `${id}.xpi`));
  }

  /** The event page's state as about:debugging shows it: `running` or `stopped`. */
  async backgroundState(): Promise<string> {
    return String((await this.ourAddon()).backgroundScriptStatus).toLowerCase();
  }

  private async ourAddon() {
    const addon = await this.debugger.addon(GECKO_ID);
    if (!addon) throw new Error(`${GECKO_ID} is not installed in Firefox`);
    return addon;
  }

  private pageType: 'tab' | 'window' = 'tab';

  async launch(): Promise<this> {
    const version = assertSupported('firefox', FIREFOX);
    this.pageType = pageTypeFor(version.major);
    const port = await freePort();
    const server = debuggerServer(port);
    this.browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: this.profile,
      env: { ...process.env, ...this.env },
      // Lets the tests reach extension pages (Firefox 141 and later refuse them without it).
      args: ['--remote-allow-system-access', ...server.args],
      extraPrefsFirefox: {
        ...server.prefs,
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
    this.rdp = await FirefoxRdp.connect(port);
    // A benchmark's own package may have no background to watch: only AutoBearer is checked.
    if (this.withAutoBearer) await this.assertEnabled(version.text);
    return this;
  }

  /**
   * An add-on Firefox refuses to run (installed disabled, or not at all) fails here, once, with
   * the reason, instead of a page-load timeout in every test.
   */
  private async assertEnabled(version: string): Promise<void> {
    const started = async () =>
      (await this.debugger.listAddons()).some((a) => a.id === GECKO_ID && a.backgroundScriptStatus);
    await waitFor(started, 10_000, 'AutoBearer started').catch(async () => {
      const installed = await this.debugger.addon(GECKO_ID);
      throw new Error(
        installed
          ? `${version} installed AutoBearer but does not run it (disabled; the manifest asks for Firefox ${manifestMinimum('firefox')} or later)`
          : `${version} did not install AutoBearer from ${path.join(this.profile, 'extensions')}`,
      );
    });
  }

  private get debugger(): FirefoxRdp {
    if (!this.rdp) throw new Error('Firefox is not running');
    return this.rdp;
  }

  private readonly console: string[] = [];

  consoleOutput(): string {
    return this.console.join('');
  }

  private get b(): Browser {
    if (!this.browser) throw new Error('Firefox is not running');
    return this.browser;
  }

  private newPage(): Promise<Page> {
    return this.b.newPage({ type: this.pageType });
  }

  /** Extension pages load, but puppeteer's goto never resolves for them: poll the page instead. */
  private async extensionTab(name: string): Promise<Page> {
    const page = await this.newPage();
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

  async open(name: ExtensionPageName) {
    const page = await this.extensionTab(name);
    return extensionPage(asEvaluating(page), {
      click: (selector) => page.click(selector),
      setFile: async (selector, file) => {
        const input = await page.$(selector);
        if (!input) throw new Error(`no ${selector}`);
        await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(file);
      },
      screenshot: async (file, _scheme, frame) => {
        if (frame) await page.setViewport(frame);
        await page.screenshot({ path: file as `${string}.png`, fullPage: !frame });
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
    const page = await this.newPage();
    await page.goto(url);
    return webPage(
      asEvaluating(page),
      () => page.close(),
      () => page.bringToFront(),
    );
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

  /**
   * Terminates the event page as Firefox does when it is idle (about:debugging's "Terminate
   * background script"). Firefox may refuse while the page is busy (a refresh in flight), so ask
   * again until it has stopped.
   */
  async stopBackground(): Promise<void> {
    await waitFor(
      async () => {
        const addon = await this.ourAddon();
        if (addon.backgroundScriptStatus === 'STOPPED') return true;
        await this.debugger.terminateBackgroundScript(addon.actor);
        return (await this.ourAddon()).backgroundScriptStatus === 'STOPPED';
      },
      10_000,
      'the event page stopped',
      250,
    );
  }

  async restart(): Promise<void> {
    this.rdp?.close();
    await this.b.close();
    await this.launch();
  }

  async close(): Promise<void> {
    this.rdp?.close();
    await this.browser?.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
