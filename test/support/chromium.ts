// The Chromium driver: the built extension in Debian's headless Chromium, driven by playwright-core.
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { extensionIdOf } from '../../src/terminal/manifests.js';
import { assertSupported, browserVersion, CHROMIUM } from './browsers.js';
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
import { waitFor, withTimeout } from './wait.js';

/** A public key for the test copy, and the extension id Chromium derives from it. */
const TEST_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
  type: 'spki',
  format: 'der',
});
export const TEST_EXTENSION_ID = extensionIdOf(TEST_KEY);

/** Chromium's machine-wide policy folder on Linux. */
const POLICY_DIR = '/etc/chromium/policies/managed';

/**
 * Pushes `profileFile` to the test extension as enterprise policy would (a file in Chromium's
 * policy folder, read at start), and returns the function that takes it away again.
 */
export function installChromiumPolicy(profileFile: string): () => void {
  mkdirSync(POLICY_DIR, { recursive: true });
  const file = path.join(POLICY_DIR, 'autobearer-test.json');
  writeFileSync(
    file,
    JSON.stringify({ '3rdparty': { extensions: { [TEST_EXTENSION_ID]: { profileFile } } } }),
  );
  return () => rmSync(file, { force: true });
}

declare const chrome: { declarativeNetRequest: { getSessionRules(): Promise<SessionRule[]> } };

/**
 * A copy of dist/chrome whose manifest also grants the test hosts at install: headless Chromium
 * cannot answer the permission prompt that "Grant access" raises.
 */
function extensionCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'autobearer-chrome-'));
  cpSync(path.resolve('dist/chrome'), dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.host_permissions = ['http://*.test/*', 'https://*.test/*'];
  // Likewise the optional webNavigation permission that "Add another account" asks for, and
  // nativeMessaging, which "Allow terminal access" asks for.
  manifest.permissions = [...manifest.permissions, 'webNavigation', 'nativeMessaging'];
  // A key fixes the extension id, which enterprise policy names.
  manifest.key = TEST_KEY.toString('base64');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

const asEvaluating = (page: Page): EvaluatingPage => page as unknown as EvaluatingPage;

export class ChromiumDriver implements BrowserDriver {
  readonly name = 'chromium';
  readonly major = browserVersion(CHROMIUM).major;
  readonly hostsGrantedAtInstall = true;
  private context: BrowserContext | undefined;
  private extensionId = '';
  /** The browser profile folder (kept across restart). */
  readonly work = mkdtempSync(path.join(tmpdir(), 'autobearer-chromium-profile-'));
  readonly extensionDir: string | undefined;

  private readonly headless: boolean;
  /** Environment variables the browser (and what it starts: a native host) gets besides the test's. */
  private readonly env: Record<string, string>;
  private readonly console: string[] = [];

  consoleOutput(): string {
    return this.console.join('\n');
  }

  /**
   * `extensionDir`: another unpacked extension to load (benchmarks), or `null` for none.
   * `headless: false` opens a window (the demo).
   */
  constructor(
    options: { extensionDir?: string | null; headless?: boolean; env?: Record<string, string> } = {},
  ) {
    this.env = options.env ?? {};
    this.extensionDir =
      options.extensionDir === undefined ? extensionCopy() : (options.extensionDir ?? undefined);
    this.headless = options.headless ?? true;
  }

  async launch(): Promise<this> {
    assertSupported('chrome', CHROMIUM);
    const context = await chromium.launchPersistentContext(this.work, {
      executablePath: CHROMIUM,
      headless: this.headless,
      args: this.args(),
      env: { ...process.env, ...this.env } as Record<string, string>,
    });
    this.context = context;
    // Pages and, in Chromium, the service worker too.
    context.on('console', (message) => this.console.push(message.text()));
    if (!this.extensionDir) return this;
    // An extension without a background (the benchmark's floor) has no worker to wait for.
    if (!JSON.parse(readFileSync(path.join(this.extensionDir, 'manifest.json'), 'utf8')).background)
      return this;
    const worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    this.extensionId = new URL(worker.url()).host;
    return this;
  }

  /** Chromium's flags for this profile: the extension, the test host names, a closed network. */
  args(): string[] {
    const extension = this.extensionDir
      ? [`--disable-extensions-except=${this.extensionDir}`, `--load-extension=${this.extensionDir}`]
      : [];
    return [
      ...extension,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Every test name reaches the local servers; the port in the URL is kept.
      `--host-resolver-rules=${TEST_HOSTS.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`,
    ];
  }

  /** Closes the browser, keeping the profile folder and the extension copy. */
  async closeBrowserOnly(): Promise<void> {
    await this.context?.close();
    this.context = undefined;
  }

  private get ctx(): BrowserContext {
    if (!this.context) throw new Error('Chromium is not running');
    return this.context;
  }

  async open(name: ExtensionPageName) {
    const page = await this.ctx.newPage();
    await page.goto(`chrome-extension://${this.extensionId}/${name}`);
    return extensionPage(asEvaluating(page), {
      click: (selector) => page.locator(selector).click({ timeout: 5_000 }),
      setFile: (selector, file) => page.setInputFiles(selector, file),
      screenshot: async (file, scheme, frame) => {
        await page.emulateMedia({ colorScheme: scheme });
        if (!frame)
          return page
            .locator('main')
            .screenshot({ path: file })
            .then(() => undefined);
        const before = page.viewportSize();
        await page.setViewportSize(frame);
        await page.screenshot({ path: file });
        if (before) await page.setViewportSize(before);
      },
      press: (key) => page.keyboard.press(key),
      type: (text) => page.keyboard.type(text),
      close: () => page.close(),
    });
  }

  async openWeb(url: string) {
    const page = await this.ctx.newPage();
    await page.goto(url);
    return webPage(
      asEvaluating(page),
      () => page.close(),
      () => page.bringToFront(),
    );
  }

  async sessionRules(): Promise<SessionRule[]> {
    const page = await this.ctx.newPage();
    try {
      await page.goto(`chrome-extension://${this.extensionId}/popup.html`);
      return await page.evaluate(() => chrome.declarativeNetRequest.getSessionRules());
    } finally {
      await page.close();
    }
  }

  async openedPage(part: string) {
    const page = await waitFor(
      () => this.ctx.pages().find((p) => p.url().includes(part)),
      10_000,
      `a page with ${part}`,
    );
    await page.waitForLoadState('domcontentloaded');
    return openedPage(asEvaluating(page), {
      url: () => page.url(),
      click: (selector) => page.locator(selector).first().click(),
      close: () => page.close(),
    });
  }

  /** Stops the service worker as Chromium does when it is idle (CDP, as DevTools does). */
  async stopBackground(): Promise<void> {
    await this.watchWorker(
      (states) => (states.every((state) => state === 'stopped') ? true : undefined),
      (cdp) => cdp.send('ServiceWorker.stopAllWorkers'),
      'the service worker did not stop',
    );
  }

  async backgroundState(): Promise<string> {
    return this.watchWorker(
      (states) => states.find((state) => state !== 'stopped') ?? 'stopped',
      async () => undefined,
      'the service worker’s state',
    );
  }

  /**
   * Follows the running status of our worker's versions, as the ServiceWorker domain reports
   * them (enabling it reports each as it is now; nothing is attached to the worker), from before
   * `act` until `settled` makes something of them.
   */
  private async watchWorker<T>(
    settled: (states: string[]) => T | undefined,
    act: (cdp: CDPSession) => Promise<unknown>,
    what: string,
  ): Promise<T> {
    const page = this.ctx.pages()[0] ?? (await this.ctx.newPage());
    const cdp = await this.ctx.newCDPSession(page);
    const prefix = `chrome-extension://${this.extensionId}/`;
    try {
      const result = new Promise<T>((resolve) => {
        cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
          const ours = versions.filter((v) => v.scriptURL.startsWith(prefix)).map((v) => v.runningStatus);
          const value = ours.length > 0 ? settled(ours) : undefined;
          if (value !== undefined) resolve(value);
        });
      });
      await cdp.send('ServiceWorker.enable');
      await act(cdp);
      return await withTimeout(result, 10_000, what);
    } finally {
      await cdp.detach();
    }
  }

  async restart(): Promise<void> {
    await this.ctx.close();
    await this.launch();
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    rmSync(this.work, { recursive: true, force: true });
    if (this.extensionDir) rmSync(this.extensionDir, { recursive: true, force: true });
  }
}
